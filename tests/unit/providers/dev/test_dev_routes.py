"""The dev provider's sign-in routes answer this machine and the app's own pages only."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest

from smnb_app.config.values import networks
from smnb_app.providers.dev.provider import DevIdentityProvider
from smnb_app.providers.dev.routes import (
    FOREIGN_ORIGIN,
    NOT_JSON,
    NOT_LOCAL_HOST,
    NOT_LOOPBACK,
    RELAYED,
    DevRoutePolicy,
    dev_auth_routes,
)
from tests.support.auth import decode_part
from tests.support.clock import FakeClock

ISSUER = "http://localhost:8000/dev-auth"
ORIGIN = "http://localhost:3000"
SIGN_IN = {"email": "ada@example.com", "name": "Ada"}


@pytest.fixture
def provider(tmp_path: Path) -> DevIdentityProvider:
    return DevIdentityProvider(
        issuer=ISSUER,
        key_path=tmp_path / "keys" / "key.pem",
        store_path=tmp_path / "keys" / "sessions.sqlite3",
        clock=FakeClock(),
    )


def client(provider: DevIdentityProvider, *, peer: str = "127.0.0.1", **policy) -> httpx.AsyncClient:
    rules = DevRoutePolicy(origins=(ORIGIN, "http://127.0.0.1:3000"), **policy)
    routes = dev_auth_routes(lambda: provider, prefix="/dev-auth", policy=rules)
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=routes, client=(peer, 40000)), base_url="http://localhost:8000"
    )


def sessions_stored(tmp_path: Path) -> int:
    with sqlite3.connect(tmp_path / "keys" / "sessions.sqlite3") as store:
        return store.execute("SELECT count(*) FROM dev_sessions").fetchone()[0]


async def refused(response: httpx.Response, reason: str) -> None:
    assert response.status_code == 403
    assert response.json() == {"error": reason}
    assert "token" not in response.text


@pytest.mark.parametrize("peer", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
async def test_loopback_clients_of_the_apps_pages_sign_in(provider, peer: str) -> None:
    response = await client(provider, peer=peer).post("/dev-auth/sign-in", json=SIGN_IN, headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert decode_part(response.json()["token"].split(".")[1])["azp"] == ORIGIN


@pytest.mark.parametrize("route", ["sign-in", "tokens", "sign-out"])
async def test_remote_clients_are_refused_without_a_token(provider, tmp_path, route: str) -> None:
    response = await client(provider, peer="203.0.113.7").post(
        f"/dev-auth/{route}", json=SIGN_IN, headers={"Origin": ORIGIN}
    )
    await refused(response, NOT_LOOPBACK)
    assert sessions_stored(tmp_path) == 0


async def test_remote_clients_are_answered_when_explicitly_allowed(provider) -> None:
    response = await client(provider, peer="203.0.113.7", allow_remote=True).post(
        "/dev-auth/sign-in", json=SIGN_IN, headers={"Origin": ORIGIN}
    )
    assert response.status_code == 200


async def test_a_forwarded_loopback_address_from_an_untrusted_peer_counts_for_nothing(provider) -> None:
    response = await client(provider, peer="203.0.113.7").post(
        "/dev-auth/sign-in", json=SIGN_IN, headers={"Origin": ORIGIN, "X-Forwarded-For": "127.0.0.1"}
    )
    await refused(response, RELAYED)


@pytest.mark.parametrize(
    "header", ["X-Forwarded-For", "Forwarded", "X-Real-IP", "X-Forwarded-Host", "CF-Connecting-IP"]
)
async def test_a_tunnel_on_loopback_that_is_not_trusted_gets_no_token(provider, tmp_path, header: str) -> None:
    response = await client(provider, peer="127.0.0.1").post(
        "/dev-auth/sign-in", json=SIGN_IN, headers={"Origin": ORIGIN, header: "203.0.113.9"}
    )
    await refused(response, RELAYED)
    assert sessions_stored(tmp_path) == 0


@pytest.mark.parametrize("host", ["abc.ngrok.app", "evil.example:8000", "10.0.0.5:8000", ""])
async def test_a_request_addressed_to_another_host_gets_no_token(provider, host: str) -> None:
    response = await client(provider, peer="127.0.0.1").post(
        "/dev-auth/sign-in", json=SIGN_IN, headers={"Origin": ORIGIN, "Host": host}
    )
    await refused(response, NOT_LOCAL_HOST)


@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.1:8000", "[::1]:8000", "app.localhost", "LOCALHOST"])
async def test_loopback_host_names_are_answered(provider, host: str) -> None:
    response = await client(provider, peer="127.0.0.1").post(
        "/dev-auth/sign-in", json=SIGN_IN, headers={"Origin": ORIGIN, "Host": host}
    )
    assert response.status_code == 200


async def test_a_client_line_of_x_forwarded_for_before_the_proxys_own_line_is_not_believed(provider) -> None:
    routes = dev_auth_routes(
        lambda: provider,
        prefix="/dev-auth",
        policy=DevRoutePolicy(origins=(ORIGIN,), trusted_proxies=networks({"P": "10.0.0.0/8"}, "P", [])),
    )
    scope_client = httpx.ASGITransport(app=routes, client=("10.0.0.2", 40000))
    headers = [
        ("Origin", ORIGIN),
        ("Content-Type", "application/json"),
        ("X-Forwarded-For", "127.0.0.1"),
        ("X-Forwarded-For", "203.0.113.9"),
    ]
    async with httpx.AsyncClient(transport=scope_client, base_url="http://localhost:8000") as proxied:
        response = await proxied.post(
            "/dev-auth/sign-in", content=b'{"email": "ada@example.com"}', headers=httpx.Headers(headers)
        )
    await refused(response, NOT_LOOPBACK)


async def test_remote_mode_answers_relayed_requests_too(provider) -> None:
    response = await client(provider, peer="127.0.0.1", allow_remote=True).post(
        "/dev-auth/sign-in",
        json=SIGN_IN,
        headers={"Origin": ORIGIN, "X-Forwarded-For": "203.0.113.9", "Host": "abc.ngrok.app"},
    )
    assert response.status_code == 200


async def test_a_trusted_proxy_on_its_own_loopback_address_does_not_make_every_client_local(provider) -> None:
    # The production shape: nginx connects from 127.0.0.2 (proxy_bind), the only trusted proxy.
    proxied = client(provider, peer="127.0.0.2", trusted_proxies=networks({"P": "127.0.0.2"}, "P", []))
    remote = await proxied.post(
        "/dev-auth/sign-in", json=SIGN_IN, headers={"Origin": ORIGIN, "X-Forwarded-For": "198.51.100.4"}
    )
    await refused(remote, NOT_LOOPBACK)
    local = await proxied.post(
        "/dev-auth/sign-in", json=SIGN_IN, headers={"Origin": ORIGIN, "X-Forwarded-For": "127.0.0.1"}
    )
    assert local.status_code == 200


@pytest.mark.parametrize("forwarded", ["127.0.0.1", "127.0.0.1, 127.0.0.1", None])
async def test_a_chain_of_only_trusted_proxies_is_not_a_local_client(provider, tmp_path, forwarded) -> None:
    # What a relay that adds no header (ssh -R, socat) in front of a trusted nginx on 127.0.0.1 sends.
    proxied = client(provider, peer="127.0.0.1", trusted_proxies=networks({"P": "127.0.0.1"}, "P", []))
    headers = {"Origin": ORIGIN} | ({"X-Forwarded-For": forwarded} if forwarded else {})
    await refused(await proxied.post("/dev-auth/sign-in", json=SIGN_IN, headers=headers), NOT_LOOPBACK)
    assert sessions_stored(tmp_path) == 0


@pytest.mark.parametrize(("trusted", "forwarded"), [("127.0.0.1", "127.0.0.1"), ("127.0.0.2", "127.0.0.1")])
async def test_behind_a_trusted_proxy_a_request_for_a_public_host_gets_no_token(
    provider, tmp_path, trusted: str, forwarded: str
) -> None:
    proxied = client(provider, peer=trusted, trusted_proxies=networks({"P": trusted}, "P", []))
    response = await proxied.post(
        "/dev-auth/sign-in",
        json=SIGN_IN,
        headers={"Origin": ORIGIN, "Host": "smnb.example.com", "X-Forwarded-For": forwarded},
    )
    await refused(response, NOT_LOCAL_HOST)
    assert sessions_stored(tmp_path) == 0


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""]
)
async def test_a_cross_site_simple_request_gets_no_token(provider, tmp_path, content_type: str) -> None:
    response = await client(provider).post(
        "/dev-auth/sign-in",
        content=b'{"email": "ada@example.com"}',
        headers={"Origin": ORIGIN, "Content-Type": content_type},
    )
    await refused(response, NOT_JSON)
    assert sessions_stored(tmp_path) == 0


@pytest.mark.parametrize("origin", [None, "https://evil.example", "http://localhost:3001", "null", ORIGIN + "/"])
async def test_an_origin_other_than_the_apps_gets_no_token(provider, tmp_path, origin: str | None) -> None:
    headers = {} if origin is None else {"Origin": origin}
    response = await client(provider).post("/dev-auth/sign-in", json=SIGN_IN, headers=headers)
    await refused(response, FOREIGN_ORIGIN)
    assert sessions_stored(tmp_path) == 0


async def test_azp_is_the_apps_canonical_origin_whichever_alias_asked(provider) -> None:
    response = await client(provider).post(
        "/dev-auth/sign-in", json=SIGN_IN, headers={"Origin": "http://127.0.0.1:3000"}
    )
    assert decode_part(response.json()["token"].split(".")[1])["azp"] == ORIGIN


async def test_jwks_and_avatars_stay_public(provider) -> None:
    remote = client(provider, peer="203.0.113.7")
    assert (await remote.get("/dev-auth/.well-known/jwks.json")).json() == provider.jwks()


def test_the_session_store_is_owner_only(provider, tmp_path) -> None:
    assert (tmp_path / "keys" / "sessions.sqlite3").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "keys").stat().st_mode & 0o777 == 0o700
