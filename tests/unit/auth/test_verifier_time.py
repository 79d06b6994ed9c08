"""Time claims: exp, nbf and iat with the clock skew, checked in that order."""

from __future__ import annotations

from typing import Any

import pytest

from smnb_app.auth import Reason, TokenVerificationError
from tests.support.auth import issuer_for, pem_verifier
from tests.support.clock import FakeClock


async def reason_for(token: str, clock: FakeClock, **config: Any) -> Reason:
    with pytest.raises(TokenVerificationError) as caught:
        await pem_verifier(clock, **config).verify(token)
    return caught.value.reason


async def test_missing_expiry_is_verification_failed() -> None:
    clock = FakeClock()
    token = issuer_for(clock).issue(remove=("exp",))
    assert await reason_for(token, clock) == Reason.TOKEN_VERIFICATION_FAILED


@pytest.mark.parametrize("exp", ["1900000000", True, None, [1]])
async def test_non_numeric_expiry_is_verification_failed(exp: object) -> None:
    clock = FakeClock()
    token = issuer_for(clock).issue(extra={"exp": exp})
    assert await reason_for(token, clock) == Reason.TOKEN_VERIFICATION_FAILED


async def test_infinity_literal_expiry_is_token_invalid() -> None:
    clock = FakeClock()
    # json.dumps writes the literal Infinity, which is not JSON (RFC 8259): the form is refused.
    token = issuer_for(clock).issue(extra={"exp": float("inf")})
    assert await reason_for(token, clock) == Reason.TOKEN_INVALID


async def test_expiry_equal_to_now_without_skew_is_expired() -> None:
    clock = FakeClock()
    token = issuer_for(clock).issue(extra={"exp": clock.now})
    assert await reason_for(token, clock, clock_skew_s=0) == Reason.TOKEN_EXPIRED


async def test_expiry_four_seconds_ago_passes_with_default_skew() -> None:
    clock = FakeClock()
    token = issuer_for(clock).issue(extra={"exp": clock.now - 4})
    assert (await pem_verifier(clock).verify(token)).exp == clock.now - 4


async def test_expiry_six_seconds_ago_is_expired_with_default_skew() -> None:
    clock = FakeClock()
    token = issuer_for(clock).issue(extra={"exp": clock.now - 6})
    assert await reason_for(token, clock) == Reason.TOKEN_EXPIRED


@pytest.mark.parametrize("claim", ["nbf", "iat"])
async def test_nbf_or_iat_four_seconds_ahead_passes(claim: str) -> None:
    clock = FakeClock()
    token = issuer_for(clock).issue(extra={claim: clock.now + 4})
    claims = await pem_verifier(clock).verify(token)
    assert getattr(claims, claim) == clock.now + 4


async def test_nbf_six_seconds_ahead_is_not_active_yet() -> None:
    clock = FakeClock()
    token = issuer_for(clock).issue(extra={"nbf": clock.now + 6})
    assert await reason_for(token, clock) == Reason.TOKEN_NOT_ACTIVE_YET


async def test_iat_six_seconds_ahead_is_in_the_future() -> None:
    clock = FakeClock()
    token = issuer_for(clock).issue(extra={"iat": clock.now + 6})
    assert await reason_for(token, clock) == Reason.TOKEN_IAT_IN_THE_FUTURE


@pytest.mark.parametrize("claim", ["nbf", "iat"])
async def test_non_numeric_nbf_or_iat_is_verification_failed(claim: str) -> None:
    clock = FakeClock()
    token = issuer_for(clock).issue(extra={claim: "soon"})
    assert await reason_for(token, clock) == Reason.TOKEN_VERIFICATION_FAILED


async def test_token_without_nbf_and_iat_passes() -> None:
    clock = FakeClock()
    claims = await pem_verifier(clock).verify(issuer_for(clock).issue(remove=("nbf", "iat")))
    assert (claims.nbf, claims.iat) == (None, None)


async def test_expiry_is_checked_before_not_before() -> None:
    clock = FakeClock()
    token = issuer_for(clock).issue(extra={"exp": clock.now - 60, "nbf": clock.now + 60})
    assert await reason_for(token, clock) == Reason.TOKEN_EXPIRED


async def test_not_before_is_checked_before_issued_at() -> None:
    clock = FakeClock()
    token = issuer_for(clock).issue(extra={"nbf": clock.now + 60, "iat": clock.now + 60})
    assert await reason_for(token, clock) == Reason.TOKEN_NOT_ACTIVE_YET


async def test_pending_status_is_checked_after_time_rules() -> None:
    clock = FakeClock()
    token = issuer_for(clock).issue(extra={"sts": "pending", "iat": clock.now + 60})
    assert await reason_for(token, clock) == Reason.TOKEN_IAT_IN_THE_FUTURE
