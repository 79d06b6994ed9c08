"""The embedded dev identity provider: token shape, refresh, revocation, its HTTP routes."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest

from smnb_app.auth import TokenVerifier, VerifierConfig
from smnb_app.providers.dev.provider import DevAuthError, DevIdentityProvider, user_id_for_email
from smnb_app.providers.dev.routes import DevRoutePolicy, dev_auth_routes
from tests.support.auth import decode_part
from tests.support.clock import FakeClock

ISSUER = "http://localhost:8000/dev-auth"
ORIGIN = "http://localhost:3000"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def provider(tmp_path: Path, clock: FakeClock) -> DevIdentityProvider:
    return DevIdentityProvider(
        issuer=ISSUER, key_path=tmp_path / "key.pem", store_path=tmp_path / "sessions.sqlite3", clock=clock
    )


def test_token_has_clerk_session_shape(provider: DevIdentityProvider, clock: FakeClock):
    issued = provider.sign_in(email="ada@example.com", name="Ada Lovelace", azp=ORIGIN)
    header_part, payload_part, _ = issued.token.token.split(".")
    header, claims = decode_part(header_part), decode_part(payload_part)

    assert header == {"alg": "RS256", "typ": "JWT", "kid": provider.jwks()["keys"][0]["kid"], "cat": "cl_B7d4PD111AAA"}
    assert claims["iss"] == ISSUER
    assert claims["sub"] == user_id_for_email("ada@example.com") and claims["sub"].startswith("user_")
    assert claims["sid"] == issued.session_id and claims["sid"].startswith("sess_")
    assert claims["azp"] == ORIGIN
    assert claims["iat"] == int(clock())
    assert claims["nbf"] == claims["iat"] - 10
    assert claims["exp"] == claims["iat"] + 60
    assert claims["v"] == 2
    assert (claims["name"], claims["email"]) == ("Ada Lovelace", "ada@example.com")
    assert claims["picture"] == f"{ISSUER}/avatars/{claims['sub']}.svg"
    assert issued.token.expires_in == 60


def client_for(
    provider: DevIdentityProvider, *, peer: str = "127.0.0.1", policy: DevRoutePolicy | None = None
) -> httpx.AsyncClient:
    """An HTTP client talking to the provider's routes through ASGI, as the app's own page does."""
    routes = dev_auth_routes(lambda: provider, prefix="/dev-auth", policy=policy or DevRoutePolicy(origins=(ORIGIN,)))
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=routes, client=(peer, 50123)),
        base_url="http://localhost:8000",
        headers={"Origin": ORIGIN},
    )


async def test_tokens_verify_with_the_verifier_over_http(provider: DevIdentityProvider, clock: FakeClock):
    http = client_for(provider)
    verifier = TokenVerifier(VerifierConfig(issuer=ISSUER), http=http, clock=clock)
    issued = provider.sign_in(email="grace@example.com", name="Grace Hopper", azp=ORIGIN)

    claims = await verifier.verify(issued.token.token)

    assert claims.sub == user_id_for_email("grace@example.com")
    assert claims.email == "grace@example.com"
    await http.aclose()


def test_same_email_signs_in_as_same_user_in_a_new_session(provider: DevIdentityProvider):
    first = provider.sign_in(email="Kay@Example.com")
    second = provider.sign_in(email="kay@example.com")
    other = provider.sign_in(email="ida@example.com")

    def sub(issued) -> str:
        return decode_part(issued.token.token.split(".")[1])["sub"]

    assert sub(first) == sub(second) != sub(other)
    assert first.session_id != second.session_id


def test_refresh_issues_a_new_token_for_the_same_session(provider: DevIdentityProvider, clock: FakeClock):
    issued = provider.sign_in(email="ada@example.com")
    clock.advance(50)
    fresh = provider.refresh(session_id=issued.session_id, secret=issued.secret)
    claims = decode_part(fresh.token.split(".")[1])

    assert fresh.token != issued.token.token
    assert claims["sid"] == issued.session_id
    assert claims["iat"] == int(clock())


def test_sign_out_revokes_the_session(provider: DevIdentityProvider):
    issued = provider.sign_in(email="ada@example.com")
    provider.sign_out(session_id=issued.session_id, secret=issued.secret)

    with pytest.raises(DevAuthError) as rejected:
        provider.refresh(session_id=issued.session_id, secret=issued.secret)
    assert rejected.value.status == 401


def test_wrong_secret_cannot_refresh_or_sign_out(provider: DevIdentityProvider):
    issued = provider.sign_in(email="ada@example.com")
    for action in (provider.refresh, provider.sign_out):
        with pytest.raises(DevAuthError) as rejected:
            action(session_id=issued.session_id, secret="guess")
        assert rejected.value.status == 401
    assert provider.refresh(session_id=issued.session_id, secret=issued.secret).token


@pytest.mark.parametrize("email", ["", "ada", "ada@", "@example.com", "a b@example.com", "x" * 250 + "@e.com"])
def test_sign_in_refuses_invalid_email(provider: DevIdentityProvider, email: str):
    with pytest.raises(DevAuthError) as rejected:
        provider.sign_in(email=email)
    assert rejected.value.status == 400


def test_sign_in_refuses_a_name_over_100_characters(provider: DevIdentityProvider):
    assert provider.sign_in(email="ada@example.com", name="n" * 100)
    with pytest.raises(DevAuthError):
        provider.sign_in(email="ada@example.com", name="n" * 101)


def test_key_and_sessions_survive_a_restart(tmp_path: Path, provider: DevIdentityProvider, clock: FakeClock):
    issued = provider.sign_in(email="ada@example.com")
    again = DevIdentityProvider(
        issuer=ISSUER, key_path=tmp_path / "key.pem", store_path=tmp_path / "sessions.sqlite3", clock=clock
    )
    assert again.jwks() == provider.jwks()
    assert again.refresh(session_id=issued.session_id, secret=issued.secret).token
    assert (tmp_path / "key.pem").stat().st_mode & 0o077 == 0


async def test_routes_sign_in_refresh_and_sign_out(provider: DevIdentityProvider):
    client = client_for(provider)
    signed_in = await client.post("/dev-auth/sign-in", json={"email": "ada@example.com", "name": "Ada"})
    assert signed_in.status_code == 200
    credential = {k: signed_in.json()[k] for k in ("session_id", "secret")}
    assert decode_part(signed_in.json()["token"].split(".")[1])["azp"] == ORIGIN

    assert (await client.post("/dev-auth/tokens", json=credential)).status_code == 200
    assert (await client.post("/dev-auth/sign-out", json=credential)).status_code == 204
    refused = await client.post("/dev-auth/tokens", json=credential)
    assert refused.status_code == 401 and "ended" in refused.json()["error"]
    assert (await client.get("/dev-auth/.well-known/jwks.json")).json() == provider.jwks()


async def test_routes_refuse_malformed_requests(provider: DevIdentityProvider):
    client = client_for(provider)
    json_headers = {"Content-Type": "application/json"}
    assert (await client.post("/dev-auth/sign-in", content=b"not json", headers=json_headers)).status_code == 400
    assert (await client.post("/dev-auth/sign-in", json=["ada@example.com"])).status_code == 400
    assert (await client.post("/dev-auth/sign-in", json={"email": 7})).status_code == 400
    assert (await client.post("/dev-auth/tokens", json={"session_id": "sess_x", "secret": "y"})).status_code == 401


async def test_an_avatar_is_the_same_before_and_after_its_user_signs_in(provider: DevIdentityProvider):
    client = client_for(provider)
    url = f"/dev-auth/avatars/{user_id_for_email('ada@example.com')}.svg"
    before = await client.get(url)
    provider.sign_in(email="ada@example.com", name="Ada <Lovelace>")
    after = await client.get(url)

    assert before.status_code == after.status_code == 200
    assert before.headers["content-type"] == after.headers["content-type"] == "image/svg+xml"
    assert before.headers["cache-control"] == after.headers["cache-control"]
    assert before.content == after.content
    assert "Lovelace" not in after.text and "<text" not in after.text


def test_avatars_are_stable_per_user_and_tell_users_apart(provider: DevIdentityProvider, tmp_path: Path):
    ada, grace = user_id_for_email("ada@example.com"), user_id_for_email("grace@example.com")
    elsewhere = DevIdentityProvider(
        issuer=ISSUER, key_path=tmp_path / "other" / "key.pem", store_path=tmp_path / "other" / "sessions.sqlite3"
    )

    assert provider.avatar_svg(ada) == elsewhere.avatar_svg(ada)
    assert provider.avatar_svg(ada) != provider.avatar_svg(grace)
    assert (provider.avatar_svg(ada) or "").startswith('<svg xmlns="http://www.w3.org/2000/svg"')


@pytest.mark.parametrize(
    "user_id",
    [
        "",
        "user_",
        "user_unknown",
        "user_" + "a" * 23,
        "user_" + "a" * 25,
        "USER_" + "a" * 24,
        "user_" + "1" * 24,
        "user_" + "a" * 23 + "\ud800",
        "\ud800",
        "user_" + "a" * 10_000,
        "user_" + "a" * 24 + "\n",
        "../user_x",
    ],
)
def test_avatar_svg_answers_none_for_a_malformed_id_without_crashing(provider: DevIdentityProvider, user_id: str):
    assert provider.avatar_svg(user_id) is None


_NOT_TEXT = ["\x00", "\x01", "\t", "\n", "\r", "\x1b", "\x1f", "\x7f", "\x80", "\x85", "\x9f", "\ud800", "\udfff"]


@pytest.mark.parametrize("char", _NOT_TEXT)
@pytest.mark.parametrize("field", ["email", "name"])
def test_sign_in_refuses_control_characters_and_lone_surrogates(
    provider: DevIdentityProvider, tmp_path: Path, field: str, char: str
):
    fields = {"email": "ada@example.com", "name": "Ada"}
    fields[field] = fields[field][:2] + char + fields[field][2:]
    with pytest.raises(DevAuthError) as rejected:
        provider.sign_in(**fields)
    assert rejected.value.status == 400
    assert str(rejected.value) == f"The {field} must not contain control characters or lone surrogates."
    with sqlite3.connect(tmp_path / "sessions.sqlite3") as store:
        assert store.execute("SELECT count(*) FROM dev_sessions").fetchone() == (0,)


@pytest.mark.parametrize("char", _NOT_TEXT)
@pytest.mark.parametrize("field", ["session_id", "secret"])
def test_refresh_and_sign_out_refuse_control_characters(provider: DevIdentityProvider, field: str, char: str):
    issued = provider.sign_in(email="ada@example.com")
    credential = {"session_id": issued.session_id, "secret": issued.secret}
    credential[field] += char
    for action in (provider.refresh, provider.sign_out):
        with pytest.raises(DevAuthError) as rejected:
            action(**credential)
        assert rejected.value.status == 400
    assert provider.refresh(session_id=issued.session_id, secret=issued.secret).token


@pytest.mark.parametrize("email", ["ada.lovelace+tag@example.com", "ådå@exämple.com", "名前@例え.jp"])
def test_sign_in_keeps_accepting_unicode_emails(provider: DevIdentityProvider, email: str):
    assert provider.sign_in(email=email).token.token
