"""Form and header checks of `TokenVerifier`: decided before any key or claim is looked at."""

from __future__ import annotations

import pytest

from smnb_app.auth import Reason, TokenVerificationError
from smnb_app.auth.signing import b64url
from tests.support.auth import (
    decode_part,
    encode_part,
    issuer_for,
    pem_verifier,
    sign_foreign,
    sign_hs256_with_public_pem,
)
from tests.support.clock import FakeClock


async def reason_for(token: object, clock: FakeClock | None = None) -> Reason:
    clock = clock or FakeClock()
    with pytest.raises(TokenVerificationError) as caught:
        await pem_verifier(clock).verify(token)  # type: ignore[arg-type]
    return caught.value.reason


@pytest.mark.parametrize(
    "token",
    ["", "null", "whatever", "a.b", "a.b.c.d", "abc$.def.ghi", "YQ==.YQ.YQ", "a b.c.d", ".."],
)
async def test_malformed_compact_forms_are_token_invalid(token: str) -> None:
    assert await reason_for(token) == "token-invalid"


async def test_non_string_token_is_token_invalid() -> None:
    assert await reason_for(None) == Reason.TOKEN_INVALID


async def test_oversized_token_is_token_invalid() -> None:
    assert await reason_for("a" * 20_000 + ".b.c") == Reason.TOKEN_INVALID


@pytest.mark.parametrize("part", ["header", "payload"])
async def test_part_that_is_not_json_is_token_invalid(part: str) -> None:
    header, payload, signature = issuer_for(FakeClock()).issue().split(".")
    garbage = "bm90LWpzb24"  # base64url of "not-json"
    parts = (garbage, payload) if part == "header" else (header, garbage)
    assert await reason_for(".".join((*parts, signature))) == Reason.TOKEN_INVALID


@pytest.mark.parametrize("value", [[1, 2], "text", None, 7])
async def test_header_that_is_json_but_not_an_object_is_token_invalid(value: object) -> None:
    _, payload, signature = issuer_for(FakeClock()).issue().split(".")
    assert await reason_for(f"{encode_part(value)}.{payload}.{signature}") == Reason.TOKEN_INVALID


async def test_payload_that_is_not_utf8_is_token_invalid() -> None:
    header, _, signature = issuer_for(FakeClock()).issue().split(".")
    not_utf8 = b64url(b'{"sub": "\xff"}')
    assert await reason_for(f"{header}.{not_utf8}.{signature}") == Reason.TOKEN_INVALID


async def test_invalid_base64url_length_is_token_invalid() -> None:
    header, payload, _ = issuer_for(FakeClock()).issue().split(".")
    assert await reason_for(f"{header}.{payload}.A") == Reason.TOKEN_INVALID


async def test_form_is_checked_before_the_algorithm() -> None:
    header, _, signature = issuer_for(FakeClock()).issue(header={"alg": "HS256"}).split(".")
    assert await reason_for(f"{header}.bm90LWpzb24.{signature}") == Reason.TOKEN_INVALID


@pytest.mark.parametrize("alg", ["none", "HS256", "ES256", "RS384", "", "garbage", 256])
async def test_algorithm_other_than_rs256_is_rejected(alg: object) -> None:
    token = issuer_for(FakeClock()).issue(header={"alg": alg})
    assert await reason_for(token) == Reason.TOKEN_INVALID_ALGORITHM


async def test_missing_algorithm_is_rejected() -> None:
    token = issuer_for(FakeClock()).issue(remove_header=("alg",))
    assert await reason_for(token) == Reason.TOKEN_INVALID_ALGORITHM


async def test_unsigned_alg_none_token_is_rejected_as_algorithm() -> None:
    header, payload, _ = issuer_for(FakeClock()).issue().split(".")
    unsigned = f"{encode_part(decode_part(header) | {'alg': 'none'})}.{payload}."
    assert await reason_for(unsigned) == Reason.TOKEN_INVALID_ALGORITHM


async def test_hs256_keyed_with_the_public_pem_is_rejected_as_algorithm() -> None:
    header, payload, _ = issuer_for(FakeClock()).issue().split(".")
    forged = sign_hs256_with_public_pem(decode_part(header), decode_part(payload))
    assert await reason_for(forged) == Reason.TOKEN_INVALID_ALGORITHM


@pytest.mark.parametrize("alg", ["ES256", "RS384"])
async def test_really_signed_other_algorithm_is_rejected(alg: str) -> None:
    clock = FakeClock()
    header, payload, _ = issuer_for(clock).issue().split(".")
    token = sign_foreign(decode_part(header) | {"alg": alg}, decode_part(payload))
    assert await reason_for(token, clock) == Reason.TOKEN_INVALID_ALGORITHM


async def test_token_without_typ_passes() -> None:
    clock = FakeClock()
    token = issuer_for(clock).issue(remove_header=("typ",))
    assert (await pem_verifier(clock).verify(token)).iss == "https://issuer.test"


async def test_typ_other_than_jwt_is_token_invalid() -> None:
    token = issuer_for(FakeClock()).issue(header={"typ": "at+jwt"})
    assert await reason_for(token) == Reason.TOKEN_INVALID


@pytest.mark.parametrize("cat", [None, "cl_I7d4PD111III"])
async def test_absent_or_ignore_category_passes(cat: str | None) -> None:
    clock = FakeClock()
    issuer = issuer_for(clock)
    token = (
        issuer.issue(remove_header=("cat",)) if cat is None else issuer.issue(header={"cat": cat})
    )
    assert (await pem_verifier(clock).verify(token)).sid.startswith("sess_")


@pytest.mark.parametrize("cat", ["cl_B7d4PD222AAA", "cl_B7d4PD333AAA", "", ["cl_B7d4PD111AAA"]])
async def test_non_session_category_is_type_mismatch(cat: object) -> None:
    token = issuer_for(FakeClock()).issue(header={"cat": cat})
    assert await reason_for(token) == Reason.TOKEN_TYPE_MISMATCH
