"""Claim checks after a valid signature: subject, session, issuer, authorized party, status."""

from __future__ import annotations

from typing import Any

import pytest

from smnb_app.auth import Reason, TokenVerificationError
from tests.support.auth import ISSUER, ORIGIN, issuer_for, pem_verifier
from tests.support.clock import FakeClock


async def reason_for(token: str, clock: FakeClock, **config: Any) -> Reason:
    with pytest.raises(TokenVerificationError) as caught:
        await pem_verifier(clock, **config).verify(token)
    return caught.value.reason


@pytest.mark.parametrize("sub", ["", 42, None, ["user_a"]])
async def test_subject_that_is_not_a_non_empty_string_is_token_invalid(sub: object) -> None:
    clock = FakeClock()
    assert await reason_for(issuer_for(clock).issue(extra={"sub": sub}), clock) == Reason.TOKEN_INVALID


async def test_missing_subject_is_token_invalid() -> None:
    clock = FakeClock()
    assert await reason_for(issuer_for(clock).issue(remove=("sub",)), clock) == Reason.TOKEN_INVALID


async def test_machine_subject_is_type_mismatch() -> None:
    clock = FakeClock()
    token = issuer_for(clock).issue(sub="mch_2xyz")
    assert await reason_for(token, clock) == Reason.TOKEN_TYPE_MISMATCH


async def test_missing_session_id_is_token_invalid() -> None:
    clock = FakeClock()
    assert await reason_for(issuer_for(clock).issue(remove=("sid",)), clock) == Reason.TOKEN_INVALID


@pytest.mark.parametrize("sid", ["", 7])
async def test_session_id_that_is_not_a_non_empty_string_is_token_invalid(sid: object) -> None:
    clock = FakeClock()
    assert await reason_for(issuer_for(clock).issue(extra={"sid": sid}), clock) == Reason.TOKEN_INVALID


@pytest.mark.parametrize("iss", ["https://other.test", "https://issuer.test.evil", "https://issuer", 5])
async def test_different_issuer_is_rejected(iss: object) -> None:
    clock = FakeClock()
    token = issuer_for(clock).issue(extra={"iss": iss})
    assert await reason_for(token, clock) == Reason.TOKEN_INVALID_ISSUER


async def test_missing_issuer_is_rejected() -> None:
    clock = FakeClock()
    assert await reason_for(issuer_for(clock).issue(remove=("iss",)), clock) == Reason.TOKEN_INVALID_ISSUER


async def test_trailing_slash_on_either_issuer_is_ignored() -> None:
    clock = FakeClock()
    slashed_token = issuer_for(clock, issuer=ISSUER + "/").issue()
    assert (await pem_verifier(clock).verify(slashed_token)).iss == ISSUER + "/"
    plain_token = issuer_for(clock).issue()
    assert (await pem_verifier(clock, issuer=ISSUER + "/").verify(plain_token)).iss == ISSUER


@pytest.mark.parametrize("azp", ["", "http://localhost:3001", "http://localhost", "http://localhost:3000/x", 3000])
async def test_unlisted_authorized_party_is_rejected(azp: object) -> None:
    clock = FakeClock()
    token = issuer_for(clock).issue(extra={"azp": azp})
    reason = await reason_for(token, clock, authorized_parties=(ORIGIN,))
    assert reason == Reason.TOKEN_INVALID_AUTHORIZED_PARTIES


async def test_missing_authorized_party_is_rejected_when_parties_are_configured() -> None:
    clock = FakeClock()
    token = issuer_for(clock).issue(remove=("azp",))
    reason = await reason_for(token, clock, authorized_parties=(ORIGIN,))
    assert reason == Reason.TOKEN_INVALID_AUTHORIZED_PARTIES


async def test_listed_authorized_party_passes() -> None:
    clock = FakeClock()
    token = issuer_for(clock).issue(azp="https://app.example")
    verifier = pem_verifier(clock, authorized_parties=(ORIGIN, "https://app.example"))
    assert (await verifier.verify(token)).azp == "https://app.example"


@pytest.mark.parametrize("azp", ["https://anything.example", None])
async def test_any_or_no_authorized_party_passes_without_configured_parties(
    azp: str | None,
) -> None:
    clock = FakeClock()
    issuer = issuer_for(clock)
    token = issuer.issue(azp=azp) if azp else issuer.issue(remove=("azp",))
    assert (await pem_verifier(clock).verify(token)).azp == azp


async def test_pending_session_is_rejected() -> None:
    clock = FakeClock()
    token = issuer_for(clock).issue(extra={"sts": "pending"})
    assert await reason_for(token, clock) == Reason.TOKEN_SESSION_PENDING


async def test_pending_session_passes_when_accepted() -> None:
    clock = FakeClock()
    token = issuer_for(clock).issue(extra={"sts": "pending"})
    claims = await pem_verifier(clock, accept_pending=True).verify(token)
    assert claims.payload["sts"] == "pending"


async def test_active_session_status_passes() -> None:
    clock = FakeClock()
    token = issuer_for(clock).issue(extra={"sts": "active"})
    assert (await pem_verifier(clock).verify(token)).payload["sts"] == "active"


async def test_subject_is_checked_before_issuer() -> None:
    clock = FakeClock()
    token = issuer_for(clock).issue(remove=("sub",), extra={"iss": "https://other.test"})
    assert await reason_for(token, clock) == Reason.TOKEN_INVALID


async def test_issuer_is_checked_before_expiry() -> None:
    clock = FakeClock()
    token = issuer_for(clock).issue(iat=int(clock.now) - 3600, extra={"iss": "https://other.test"})
    assert await reason_for(token, clock) == Reason.TOKEN_INVALID_ISSUER
