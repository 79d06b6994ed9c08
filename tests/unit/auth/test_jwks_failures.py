"""JWKS outages: bounded retries, stale keys up to the limit, no fetch storm or wait while down."""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any

import httpx
import pytest

from smnb_app.auth import Reason, TokenVerificationError, TokenVerifier, VerifierConfig
from smnb_app.providers.dev.issuer import jwks
from tests.support.auth import ISSUER, issuer_for, signing_key
from tests.support.clock import FakeClock
from tests.support.jwks_server import JwksServer, Mode


def jwks_verifier(jwks_server: JwksServer, clock: FakeClock, **overrides: Any) -> TokenVerifier:
    settings: dict[str, Any] = {"issuer": jwks_server.base_url, "jwks_retry_backoff_s": (0.001, 0.001)}
    return TokenVerifier(VerifierConfig(**(settings | overrides)), clock=clock)


async def reason_for(verifier: TokenVerifier, token: str) -> Reason:
    with pytest.raises(TokenVerificationError) as caught:
        await verifier.verify(token)
    return caught.value.reason


@pytest.mark.parametrize("mode", [Mode.UNAVAILABLE, Mode.EMPTY_OBJECT, Mode.EMPTY_KEYS, Mode.INVALID_JSON])
async def test_broken_jwks_fails_to_load_after_three_attempts(jwks_server: JwksServer, mode: Mode) -> None:
    clock = FakeClock()
    jwks_server.mode = mode
    verifier = jwks_verifier(jwks_server, clock)
    reason = await reason_for(verifier, issuer_for(clock, issuer=jwks_server.base_url).issue())
    assert (reason, jwks_server.hits) == (Reason.JWK_REMOTE_FAILED_TO_LOAD, 3)


async def test_failed_load_is_not_retried_within_the_cooldown(jwks_server: JwksServer) -> None:
    clock = FakeClock()
    jwks_server.mode = Mode.UNAVAILABLE
    verifier = jwks_verifier(jwks_server, clock)
    issuer = issuer_for(clock, issuer=jwks_server.base_url)
    for _ in range(20):
        assert await reason_for(verifier, issuer.issue()) == Reason.JWK_REMOTE_FAILED_TO_LOAD
    assert jwks_server.hits == 3
    jwks_server.mode = Mode.KEYS
    clock.advance(10)
    assert (await verifier.verify(issuer.issue(sub="user_back"))).sub == "user_back"
    assert jwks_server.hits == 4


async def test_unreachable_jwks_fails_to_load() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    clock = FakeClock()
    config = VerifierConfig(issuer=f"http://127.0.0.1:{port}", jwks_retry_backoff_s=(0.0,))
    verifier = TokenVerifier(config, clock=clock)
    reason = await reason_for(verifier, issuer_for(clock, issuer=config.issuer).issue())
    assert reason == Reason.JWK_REMOTE_FAILED_TO_LOAD


async def test_cached_keys_serve_while_jwks_is_down_until_max_stale(jwks_server: JwksServer) -> None:
    clock = FakeClock()
    verifier = jwks_verifier(jwks_server, clock)
    issuer = issuer_for(clock, issuer=jwks_server.base_url)
    await verifier.verify(issuer.issue())
    jwks_server.mode = Mode.UNAVAILABLE
    clock.advance(301)
    assert (await verifier.verify(issuer.issue(sub="user_stale"))).sub == "user_stale"
    assert jwks_server.hits == 1 + 3
    clock.advance(3600 - 301)
    assert (await verifier.verify(issuer.issue(sub="user_last"))).sub == "user_last"
    clock.advance(1)
    assert await reason_for(verifier, issuer.issue()) == Reason.JWK_REMOTE_FAILED_TO_LOAD


async def test_unknown_kid_while_jwks_is_down_fails_to_load(jwks_server: JwksServer) -> None:
    clock = FakeClock()
    verifier = jwks_verifier(jwks_server, clock)
    await verifier.verify(issuer_for(clock, issuer=jwks_server.base_url).issue())
    jwks_server.mode = Mode.UNAVAILABLE
    clock.advance(10)
    token = issuer_for(clock, key_index=1, issuer=jwks_server.base_url).issue()
    reason = await reason_for(verifier, token)
    assert (reason, jwks_server.hits) == (Reason.JWK_REMOTE_FAILED_TO_LOAD, 4)


async def test_recovered_jwks_replaces_the_stale_keys(jwks_server: JwksServer) -> None:
    clock = FakeClock()
    verifier = jwks_verifier(jwks_server, clock)
    issuer = issuer_for(clock, issuer=jwks_server.base_url)
    await verifier.verify(issuer.issue())
    jwks_server.mode = Mode.UNAVAILABLE
    clock.advance(3000)
    await verifier.verify(issuer.issue())
    jwks_server.mode = Mode.KEYS
    clock.advance(1000)
    assert (await verifier.verify(issuer.issue(sub="user_fresh"))).sub == "user_fresh"
    assert jwks_server.hits == 1 + 3 + 1


def test_sync_helper_fails_to_load_from_a_broken_jwks(jwks_server: JwksServer) -> None:
    clock = FakeClock()
    jwks_server.mode = Mode.EMPTY_KEYS
    verifier = jwks_verifier(jwks_server, clock)
    with pytest.raises(TokenVerificationError) as caught:
        verifier.verify_sync(issuer_for(clock, issuer=jwks_server.base_url).issue())
    assert (caught.value.reason, jwks_server.hits) == (Reason.JWK_REMOTE_FAILED_TO_LOAD, 3)


async def test_known_key_does_not_wait_for_a_slow_refresh() -> None:
    clock = FakeClock()
    body = json.dumps(jwks([signing_key(0)])).encode()
    entered, release = asyncio.Event(), asyncio.Event()
    calls = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls > 1:
            entered.set()
            await release.wait()
        return httpx.Response(200, content=body)

    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:
        verifier = TokenVerifier(VerifierConfig(issuer=ISSUER), clock=clock, http=client)
        issuer = issuer_for(clock)
        await verifier.verify(issuer.issue())
        clock.advance(301)
        refreshing = asyncio.create_task(verifier.verify(issuer.issue(sub="user_refresh")))
        await entered.wait()
        served = await asyncio.wait_for(verifier.verify(issuer.issue(sub="user_stale")), 1)
        assert (served.sub, refreshing.done()) == ("user_stale", False)
        release.set()
        assert (await refreshing).sub == "user_refresh"
    assert calls == 2
