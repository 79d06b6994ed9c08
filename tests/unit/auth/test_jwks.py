"""Keys from a JWKS URL: caching, rotation, fetch storms, the Bearer secret."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

import httpx
import pytest

from smnb_app.auth import Reason, TokenVerificationError, TokenVerifier, VerifierConfig
from tests.support.auth import issuer_for, replace_header, signing_key
from tests.support.clock import FakeClock
from tests.support.jwks_server import JwksServer


def jwks_verifier(jwks_server: JwksServer, clock: FakeClock, **overrides: Any) -> TokenVerifier:
    settings: dict[str, Any] = {"issuer": jwks_server.base_url, "jwks_retry_backoff_s": (0.0, 0.0)}
    return TokenVerifier(VerifierConfig(**(settings | overrides)), clock=clock)


async def test_token_verifies_with_a_key_from_the_jwks(jwks_server: JwksServer) -> None:
    clock = FakeClock()
    verifier = jwks_verifier(jwks_server, clock)
    claims = await verifier.verify(issuer_for(clock, issuer=jwks_server.base_url).issue(sub="user_j"))
    assert (claims.sub, jwks_server.hits) == ("user_j", 1)


async def test_keys_are_fetched_once_within_the_ttl(jwks_server: JwksServer) -> None:
    clock = FakeClock()
    verifier = jwks_verifier(jwks_server, clock)
    issuer = issuer_for(clock, issuer=jwks_server.base_url)
    for _ in range(5):
        await verifier.verify(issuer.issue())
        clock.advance(59)
    assert jwks_server.hits == 1


async def test_keys_are_refetched_after_the_ttl(jwks_server: JwksServer) -> None:
    clock = FakeClock()
    verifier = jwks_verifier(jwks_server, clock)
    issuer = issuer_for(clock, issuer=jwks_server.base_url)
    await verifier.verify(issuer.issue())
    clock.advance(300)
    await verifier.verify(issuer.issue())
    assert jwks_server.hits == 2


async def test_rotated_key_verifies_after_exactly_one_refetch(jwks_server: JwksServer) -> None:
    clock = FakeClock()
    verifier = jwks_verifier(jwks_server, clock)
    await verifier.verify(issuer_for(clock, issuer=jwks_server.base_url).issue())
    jwks_server.rotate(signing_key(1))
    clock.advance(11)
    claims = await verifier.verify(issuer_for(clock, key_index=1, issuer=jwks_server.base_url).issue(sub="user_new"))
    assert (claims.sub, jwks_server.hits) == ("user_new", 2)


async def test_unknown_kid_is_kid_mismatch(jwks_server: JwksServer) -> None:
    clock = FakeClock()
    verifier = jwks_verifier(jwks_server, clock)
    token = issuer_for(clock, key_index=1, issuer=jwks_server.base_url).issue()
    with pytest.raises(TokenVerificationError) as caught:
        await verifier.verify(token)
    assert caught.value.reason == Reason.JWK_KID_MISMATCH


async def test_missing_kid_is_kid_mismatch_without_fetching(jwks_server: JwksServer) -> None:
    clock = FakeClock()
    verifier = jwks_verifier(jwks_server, clock)
    token = issuer_for(clock, issuer=jwks_server.base_url).issue(remove_header=("kid",))
    with pytest.raises(TokenVerificationError) as caught:
        await verifier.verify(token)
    assert (caught.value.reason, jwks_server.hits) == (Reason.JWK_KID_MISMATCH, 0)


@pytest.mark.parametrize("cat", ["cl_B7d4PD333AAA", "cl_B7d4PD222AAA"])
async def test_non_session_category_is_rejected_before_any_key_fetch(jwks_server: JwksServer, cat: str) -> None:
    clock = FakeClock()
    verifier = jwks_verifier(jwks_server, clock)
    token = issuer_for(clock, issuer=jwks_server.base_url).issue(header={"cat": cat})
    with pytest.raises(TokenVerificationError) as caught:
        await verifier.verify(token)
    assert (caught.value.reason, jwks_server.hits) == (Reason.TOKEN_TYPE_MISMATCH, 0)


async def test_random_kids_fetch_at_most_once_per_cooldown(jwks_server: JwksServer) -> None:
    clock = FakeClock()
    verifier = jwks_verifier(jwks_server, clock)
    token = issuer_for(clock, issuer=jwks_server.base_url).issue()

    async def reasons() -> set[Reason]:
        # The kid is looked up before the signature is checked, so re-signing is unnecessary.
        tokens = [replace_header(token, kid=secrets.token_hex(8)) for _ in range(1000)]
        outcomes = await asyncio.gather(*(verifier.verify(t) for t in tokens), return_exceptions=True)
        return {outcome.reason for outcome in outcomes if isinstance(outcome, TokenVerificationError)}

    assert await reasons() == {Reason.JWK_KID_MISMATCH}
    assert jwks_server.hits == 1
    clock.advance(9)
    assert await reasons() == {Reason.JWK_KID_MISMATCH}
    assert jwks_server.hits == 1
    clock.advance(1)
    await reasons()
    assert jwks_server.hits == 2


async def test_concurrent_first_tokens_share_one_fetch(jwks_server: JwksServer) -> None:
    clock = FakeClock()
    verifier = jwks_verifier(jwks_server, clock)
    issuer = issuer_for(clock, issuer=jwks_server.base_url)
    claims = await asyncio.gather(*(verifier.verify(issuer.issue()) for _ in range(50)))
    assert (len(claims), jwks_server.hits) == (50, 1)


async def test_secret_key_is_sent_as_bearer(jwks_server: JwksServer) -> None:
    clock = FakeClock()
    verifier = jwks_verifier(jwks_server, clock, secret_key="sk_test_123")
    await verifier.verify(issuer_for(clock, issuer=jwks_server.base_url).issue())
    assert jwks_server.last_authorization == "Bearer sk_test_123"


async def test_no_authorization_header_without_secret_key(jwks_server: JwksServer) -> None:
    clock = FakeClock()
    verifier = jwks_verifier(jwks_server, clock)
    await verifier.verify(issuer_for(clock, issuer=jwks_server.base_url).issue())
    assert (jwks_server.hits, jwks_server.last_authorization) == (1, None)


async def test_explicit_jwks_url_is_fetched_instead_of_the_issuers(jwks_server: JwksServer) -> None:
    clock = FakeClock()
    issuer = "https://clerk.example.test"
    verifier = jwks_verifier(jwks_server, clock, issuer=issuer, jwks_url=jwks_server.base_url + "/v1/jwks")
    assert (await verifier.verify(issuer_for(clock, issuer=issuer).issue())).iss == issuer
    assert jwks_server.hits == 1


async def test_non_rsa_and_non_signing_keys_are_skipped(jwks_server: JwksServer) -> None:
    clock = FakeClock()
    jwks_server.extra_entries = [
        {"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"},
        {**signing_key(1).public_jwk(), "use": "enc"},
        {"kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"},
        "not-an-object",
    ]
    verifier = jwks_verifier(jwks_server, clock)
    assert (await verifier.verify(issuer_for(clock, issuer=jwks_server.base_url).issue(sub="user_s"))).sub == "user_s"


async def test_injected_http_client_is_used_and_left_open(jwks_server: JwksServer) -> None:
    clock = FakeClock()
    requested: list[str] = []

    async def record(request: httpx.Request) -> None:
        requested.append(str(request.url))

    async with httpx.AsyncClient(event_hooks={"request": [record]}) as client:
        verifier = TokenVerifier(VerifierConfig(issuer=jwks_server.base_url), clock=clock, http=client)
        await verifier.verify(issuer_for(clock, issuer=jwks_server.base_url).issue())
        await verifier.aclose()
        assert (requested, client.is_closed) == ([jwks_server.jwks_url], False)


def test_one_verifier_serves_successive_event_loops(jwks_server: JwksServer) -> None:
    clock = FakeClock()
    verifier = jwks_verifier(jwks_server, clock)
    issuer = issuer_for(clock, issuer=jwks_server.base_url)

    async def verify_concurrently() -> int:
        return len(await asyncio.gather(*(verifier.verify(issuer.issue()) for _ in range(5))))

    assert asyncio.run(verify_concurrently()) == 5
    clock.advance(300)
    assert asyncio.run(verify_concurrently()) == 5
    assert jwks_server.hits == 2


def test_sync_helper_fetches_the_jwks(jwks_server: JwksServer) -> None:
    clock = FakeClock()
    verifier = jwks_verifier(jwks_server, clock, secret_key="sk_sync")
    claims = verifier.verify_sync(issuer_for(clock, issuer=jwks_server.base_url).issue(sub="user_sync"))
    assert (claims.sub, jwks_server.hits, jwks_server.last_authorization) == (
        "user_sync",
        1,
        "Bearer sk_sync",
    )
