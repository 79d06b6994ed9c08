"""A valid token's claims, and signatures checked before any claim."""

from __future__ import annotations

import pytest

from smnb_app.auth import Reason, SessionClaims, TokenVerificationError
from tests.support.auth import ISSUER, ORIGIN, issuer_for, pem_verifier, replace_payload
from tests.support.clock import FakeClock


async def test_valid_token_returns_its_claims() -> None:
    clock = FakeClock()
    token = issuer_for(clock).issue(
        sub="user_abc",
        sid="sess_def",
        name="Ada Lovelace",
        email="ada@example.com",
        picture="https://img/a.png",
    )
    claims = await pem_verifier(clock, authorized_parties=(ORIGIN,)).verify(token)
    assert claims == SessionClaims(
        sub="user_abc",
        sid="sess_def",
        iss=ISSUER,
        azp=ORIGIN,
        exp=clock.now + 60,
        iat=clock.now,
        nbf=clock.now - 10,
        name="Ada Lovelace",
        email="ada@example.com",
        picture="https://img/a.png",
        payload={},
    )
    assert claims.payload["v"] == 2
    assert claims.token_identifier == f"{ISSUER}|user_abc"


async def test_token_identifier_strips_the_trailing_slash_of_the_token_issuer() -> None:
    clock = FakeClock()
    token = issuer_for(clock, issuer=ISSUER + "/").issue(sub="user_x")
    claims = await pem_verifier(clock).verify(token)
    assert (claims.iss, claims.token_identifier) == (ISSUER + "/", f"{ISSUER}|user_x")


async def test_profile_claims_fall_back_to_clerk_names() -> None:
    clock = FakeClock()
    extra = {
        "first_name": "Grace",
        "family_name": "Hopper",
        "primary_email_address": "grace@example.com",
        "image_url": "https://img/g.png",
    }
    claims = await pem_verifier(clock).verify(issuer_for(clock).issue(extra=extra))
    assert (claims.name, claims.email, claims.picture) == (
        "Grace Hopper",
        "grace@example.com",
        "https://img/g.png",
    )


async def test_token_without_profile_claims_has_none_for_them() -> None:
    clock = FakeClock()
    claims = await pem_verifier(clock).verify(issuer_for(clock).issue())
    assert (claims.name, claims.email, claims.picture) == (None, None, None)


async def test_payload_of_claims_is_read_only() -> None:
    clock = FakeClock()
    claims = await pem_verifier(clock).verify(issuer_for(clock).issue())
    with pytest.raises(TypeError):
        claims.payload["sub"] = "user_other"  # type: ignore[index]


async def test_token_signed_by_another_key_is_invalid_signature() -> None:
    clock = FakeClock()
    token = issuer_for(clock, key_index=1).issue()
    with pytest.raises(TokenVerificationError) as caught:
        await pem_verifier(clock).verify(token)
    assert caught.value.reason == Reason.TOKEN_INVALID_SIGNATURE


async def test_payload_tampered_after_signing_is_invalid_signature() -> None:
    clock = FakeClock()
    token = replace_payload(issuer_for(clock).issue(sub="user_a"), sub="user_b")
    with pytest.raises(TokenVerificationError) as caught:
        await pem_verifier(clock).verify(token)
    assert caught.value.reason == Reason.TOKEN_INVALID_SIGNATURE


async def test_expired_token_with_bad_signature_reports_signature() -> None:
    clock = FakeClock()
    token = issuer_for(clock, key_index=1).issue(iat=int(clock.now) - 3600)
    with pytest.raises(TokenVerificationError) as caught:
        await pem_verifier(clock).verify(token)
    assert caught.value.reason == Reason.TOKEN_INVALID_SIGNATURE


async def test_bad_claims_with_bad_signature_report_signature() -> None:
    clock = FakeClock()
    token = issuer_for(clock, key_index=1).issue(remove=("sub", "sid"), extra={"iss": "https://evil"})
    with pytest.raises(TokenVerificationError) as caught:
        await pem_verifier(clock).verify(token)
    assert caught.value.reason == Reason.TOKEN_INVALID_SIGNATURE


async def test_truncated_signature_is_invalid_signature() -> None:
    clock = FakeClock()
    token = issuer_for(clock).issue()
    with pytest.raises(TokenVerificationError) as caught:
        await pem_verifier(clock).verify(token[:-6])  # still canonical base64url (336 characters)
    assert caught.value.reason == Reason.TOKEN_INVALID_SIGNATURE
