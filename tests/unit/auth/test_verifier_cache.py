"""The verified-token cache: re-checks skip the signature but never the time rules."""

from __future__ import annotations

import pytest

from smnb_app.auth import Reason, TokenVerificationError
from smnb_app.auth.cache import VerifiedTokenCache
from tests.support.auth import issuer_for, pem_verifier
from tests.support.clock import FakeClock


async def test_recheck_returns_the_remembered_claims() -> None:
    clock = FakeClock()
    verifier = pem_verifier(clock)
    token = issuer_for(clock).issue()
    first = await verifier.verify(token)
    assert await verifier.verify(token) is first


async def test_cached_token_is_rejected_once_expired() -> None:
    clock = FakeClock()
    verifier = pem_verifier(clock)
    token = issuer_for(clock).issue()
    await verifier.verify(token)
    clock.advance(60 + 5)
    with pytest.raises(TokenVerificationError) as caught:
        await verifier.verify(token)
    assert caught.value.reason == Reason.TOKEN_EXPIRED


async def test_cached_token_passes_until_expiry_plus_skew() -> None:
    clock = FakeClock()
    verifier = pem_verifier(clock)
    token = issuer_for(clock).issue()
    await verifier.verify(token)
    clock.advance(60 + 4)
    assert (await verifier.verify(token)).exp == clock.now - 4


async def test_cached_token_is_rejected_when_the_clock_goes_back_before_nbf() -> None:
    clock = FakeClock()
    verifier = pem_verifier(clock)
    token = issuer_for(clock).issue()
    await verifier.verify(token)
    clock.advance(-20)
    with pytest.raises(TokenVerificationError) as caught:
        await verifier.verify(token)
    assert caught.value.reason == Reason.TOKEN_NOT_ACTIVE_YET


async def test_rejected_token_is_not_remembered() -> None:
    clock = FakeClock()
    verifier = pem_verifier(clock)
    token = issuer_for(clock).issue(extra={"nbf": clock.now + 30})
    with pytest.raises(TokenVerificationError):
        await verifier.verify(token)
    clock.advance(30)
    assert (await verifier.verify(token)).nbf == clock.now


def test_cache_evicts_the_least_recently_used_token() -> None:
    clock = FakeClock()
    claims = [pem_verifier(clock).verify_sync(issuer_for(clock).issue()) for _ in range(3)]
    cache = VerifiedTokenCache(max_entries=2)
    cache.put(b"a", claims[0])
    cache.put(b"b", claims[1])
    assert cache.get(b"a") is claims[0]
    cache.put(b"c", claims[2])
    assert (len(cache), cache.get(b"b"), cache.get(b"a")) == (2, None, claims[0])


def test_sync_helper_verifies_and_rejects_like_verify() -> None:
    clock = FakeClock()
    verifier = pem_verifier(clock)
    token = issuer_for(clock).issue(sub="user_sync")
    assert verifier.verify_sync(token).sub == "user_sync"
    clock.advance(120)
    with pytest.raises(TokenVerificationError) as caught:
        verifier.verify_sync(token)
    assert caught.value.reason == Reason.TOKEN_EXPIRED
