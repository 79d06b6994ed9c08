"""Form and header checks of `TokenVerifier`: decided before any key or claim is looked at."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import pytest

from smnb_app.auth import Reason, TokenVerificationError, TokenVerifier, VerifierConfig
from smnb_app.providers.dev.signing import b64url
from tests.support.auth import (
    decode_part,
    encode_part,
    issuer_for,
    pem_verifier,
    sign_foreign,
    sign_hs256_with_public_pem,
    signing_key,
)
from tests.support.clock import FakeClock
from tests.support.jwks_server import JwksServer
from tests.support.token_edits import TokenText
from tests.support.token_forging import (
    FILLER,
    json_part,
    json_with_members,
    padded,
    respellings,
    sign_json_text,
    sign_parts,
    standard_alphabet,
    trailing_bit_spellings,
)

SPELLINGS: dict[str, Callable[[str], str]] = {
    "padding": padded,
    "standard-alphabet": standard_alphabet,
    "lowest-trailing-bit": lambda part: trailing_bit_spellings(part)[0],
    "all-trailing-bits": lambda part: trailing_bit_spellings(part)[-1],
}


async def reason_for(token: object, clock: FakeClock | None = None) -> Reason:
    clock = clock or FakeClock()
    with pytest.raises(TokenVerificationError) as caught:
        await pem_verifier(clock).verify(token)  # type: ignore[arg-type]
    return caught.value.reason


async def reason_in_mode(token: object, mode: str) -> Reason:
    """The refusal of `verify` (mode "async") or `verify_sync` (mode "sync")."""
    if mode == "async":
        return await reason_for(token)
    with pytest.raises(TokenVerificationError) as caught:
        pem_verifier(FakeClock()).verify_sync(token)  # type: ignore[arg-type]
    return caught.value.reason


def header_and_claims() -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and claims of a token valid at `FakeClock()`'s time."""
    header, payload, _ = issuer_for(FakeClock()).issue().split(".")
    return decode_part(header), decode_part(payload)


def signed_with_members(
    header_members: tuple[str, ...] = (),
    payload_members: tuple[str, ...] = (),
    *,
    first: bool = False,
) -> str:
    """A valid token's JSON with raw members added, really signed by the trusted key."""
    header, claims = header_and_claims()
    return sign_json_text(
        json_with_members(header, *header_members, first=first),
        json_with_members(claims, *payload_members, first=first),
    )


def shaped_parts(residue: int) -> tuple[str, str]:
    """A valid header and payload part, each `residue` modulo 4 long and holding `-` and `_`."""
    header, claims = header_and_claims()
    fill = {"fill": FILLER}
    return json_part(header | fill, residue), json_part(claims | fill, residue)


@pytest.mark.parametrize(
    "token",
    ["", "null", "whatever", "a.b", "a.b.c.d", "abc$.def.ghi", "YQ==.YQ.YQ", "a b.c.d", ".."],
)
async def test_malformed_compact_forms_are_token_invalid(token: str) -> None:
    assert await reason_for(token) == "token-invalid"


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda token: None, id="none"),
        pytest.param(lambda token: token.encode(), id="bytes"),
        pytest.param(lambda token: bytearray(token.encode()), id="bytearray"),
        pytest.param(lambda token: memoryview(token.encode()), id="memoryview"),
        pytest.param(lambda token: 0, id="int"),
        pytest.param(lambda token: 1.5, id="float"),
        pytest.param(lambda token: True, id="bool"),
        pytest.param(lambda token: {}, id="empty-dict"),
        pytest.param(lambda token: {"token": token}, id="dict"),
        pytest.param(lambda token: [], id="empty-list"),
        pytest.param(lambda token: token.split("."), id="list-of-parts"),
        pytest.param(lambda token: object(), id="object"),
        pytest.param(TokenText, id="str-subclass"),
    ],
)
@pytest.mark.parametrize("mode", ["async", "sync"])
async def test_non_string_input_is_token_invalid(make: Callable[[str], object], mode: str) -> None:
    token = issuer_for(FakeClock()).issue()
    assert await reason_in_mode(make(token), mode) == Reason.TOKEN_INVALID


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda token: "\ud800", id="lone-high-surrogate"),
        pytest.param(lambda token: "\udfff", id="lone-low-surrogate"),
        pytest.param(lambda token: token + "\udc00", id="surrogate-appended"),
        pytest.param(lambda token: token.replace(".", "\ud800.", 1), id="surrogate-inside"),
        pytest.param(lambda token: "\x00" + token, id="leading-nul"),
        pytest.param(lambda token: token + "\x00", id="trailing-nul"),
        pytest.param(lambda token: token[:9] + "\u00e9" + token[10:], id="accented-letter"),
        pytest.param(lambda token: token[:9] + "\uff21" + token[10:], id="fullwidth-letter"),
        pytest.param(lambda token: token[:9] + "\u0663" + token[10:], id="arabic-indic-digit"),
        pytest.param(lambda token: token[:9] + "\u212a" + token[10:], id="kelvin-sign"),
        pytest.param(lambda token: token + "\U0001f600", id="emoji"),
        pytest.param(lambda token: " " + token, id="leading-space"),
        pytest.param(lambda token: token + " ", id="trailing-space"),
        pytest.param(lambda token: token + "\n", id="trailing-newline"),
        pytest.param(lambda token: token + "\r\n", id="trailing-crlf"),
        pytest.param(lambda token: token.replace(".", " .", 1), id="space-inside"),
        pytest.param(lambda token: token.replace(".", ".\t", 1), id="tab-inside"),
        pytest.param(lambda token: "\ufeff" + token, id="leading-byte-order-mark"),
        pytest.param(lambda token: token + "\u2028", id="line-separator"),
        pytest.param(lambda token: token + "\u00a0", id="no-break-space"),
    ],
)
@pytest.mark.parametrize("mode", ["async", "sync"])
async def test_character_outside_the_base64url_alphabet_is_token_invalid(edit: Callable[[str], str], mode: str) -> None:
    token = issuer_for(FakeClock()).issue()
    assert await reason_in_mode(edit(token), mode) == Reason.TOKEN_INVALID


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


@pytest.mark.parametrize("residue", [2, 3])
async def test_shaped_token_passes(residue: int) -> None:
    claims = await pem_verifier(FakeClock()).verify(sign_parts(*shaped_parts(residue)))
    assert claims.payload["fill"] == FILLER


@pytest.mark.parametrize("residue", [2, 3])
@pytest.mark.parametrize("spelling", SPELLINGS)
@pytest.mark.parametrize("part", ["header", "payload"])
async def test_really_signed_non_canonical_part_is_token_invalid(part: str, spelling: str, residue: int) -> None:
    header, payload = shaped_parts(residue)
    respelled = SPELLINGS[spelling](header if part == "header" else payload)
    assert respelled not in (header, payload)
    token = sign_parts(respelled, payload) if part == "header" else sign_parts(header, respelled)
    assert await reason_for(token) == Reason.TOKEN_INVALID


async def test_every_other_spelling_of_a_valid_signature_is_token_invalid() -> None:
    token = issuer_for(FakeClock()).issue()
    header, payload, signature = token.split(".")
    # 256 bytes leave 4 unused bits in the last of 342 characters: 15 other spellings.
    assert len(trailing_bit_spellings(signature)) == 15
    verifier = pem_verifier(FakeClock())
    reasons = set()
    for spelling in respellings(signature):
        with pytest.raises(TokenVerificationError) as caught:
            await verifier.verify(f"{header}.{payload}.{spelling}")
        reasons.add(caught.value.reason)
    assert reasons == {Reason.TOKEN_INVALID}
    assert (await verifier.verify(token)).sub


@pytest.mark.parametrize("part", ["header", "payload", "signature"])
async def test_part_one_character_past_a_multiple_of_four_is_token_invalid(part: str) -> None:
    header, payload = (json_part(value, 0) for value in header_and_claims())
    tokens = {
        "header": sign_parts(header + "A", payload),
        "payload": sign_parts(header, payload + "A"),
        "signature": sign_parts(header, payload) + "AAA",
    }
    assert await reason_for(tokens[part]) == Reason.TOKEN_INVALID


@pytest.mark.parametrize("signature", ["A", "AQ==", "AR", "AAB", "A+/A"])
async def test_signature_form_is_checked_before_the_algorithm(signature: str) -> None:
    header, payload, _ = issuer_for(FakeClock()).issue().split(".")
    unsigned = encode_part(decode_part(header) | {"alg": "none"})
    assert await reason_for(f"{unsigned}.{payload}.{signature}") == Reason.TOKEN_INVALID


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
    token = issuer.issue(remove_header=("cat",)) if cat is None else issuer.issue(header={"cat": cat})
    assert (await pem_verifier(clock).verify(token)).sid.startswith("sess_")


@pytest.mark.parametrize("cat", ["cl_B7d4PD222AAA", "cl_B7d4PD333AAA", "", ["cl_B7d4PD111AAA"]])
async def test_non_session_category_is_type_mismatch(cat: object) -> None:
    token = issuer_for(FakeClock()).issue(header={"cat": cat})
    assert await reason_for(token) == Reason.TOKEN_TYPE_MISMATCH


@pytest.mark.parametrize("crit", [["exp"], [], ["b64"], "b64", None, False, {"b64": False}])
async def test_really_signed_crit_header_is_token_invalid(crit: object) -> None:
    token = issuer_for(FakeClock()).issue(header={"crit": crit})
    assert await reason_for(token) == Reason.TOKEN_INVALID


async def test_crit_is_refused_before_the_algorithm() -> None:
    token = issuer_for(FakeClock()).issue(header={"crit": ["b64"], "alg": "none"})
    assert await reason_for(token) == Reason.TOKEN_INVALID


async def test_crit_is_refused_before_any_key_is_fetched() -> None:
    clock = FakeClock()
    with JwksServer([signing_key(0)]) as server:
        config = VerifierConfig(issuer=server.base_url, jwks_retry_backoff_s=(0.0, 0.0))
        verifier = TokenVerifier(config, clock=clock)
        token = issuer_for(clock, issuer=server.base_url).issue(header={"crit": ["exp"]})
        with pytest.raises(TokenVerificationError) as caught:
            await verifier.verify(token)
        assert (caught.value.reason, server.hits) == (Reason.TOKEN_INVALID, 0)


@pytest.mark.parametrize(
    ("header_members", "payload_members", "first"),
    [
        pytest.param(('"alg": "none"',), (), True, id="header-alg-decoy-first"),
        pytest.param(('"alg": "RS256"',), (), False, id="header-alg-twice-alike"),
        pytest.param(('"kid": "other"',), (), True, id="header-kid"),
        pytest.param(('"cat": "cl_B7d4PD222AAA"',), (), True, id="header-cat"),
        pytest.param(('"\\u0061lg": "RS256"',), (), False, id="header-escaped-name"),
        pytest.param(('"jwk": {"kty": "RSA", "kty": "oct"}',), (), False, id="header-nested"),
        pytest.param((), ('"sub": "user_admin"',), True, id="payload-sub-decoy-first"),
        pytest.param((), ('"sid": "sess_other"',), False, id="payload-sid-decoy-last"),
        pytest.param((), ('"exp": 4102444800',), True, id="payload-exp"),
        pytest.param((), ('"\\u0073ub": "user_admin"',), False, id="payload-escaped-name"),
        pytest.param((), ('"org": {"id": "org_1", "id": "org_2"}',), False, id="payload-nested"),
        pytest.param((), ('"orgs": [{"id": 1}, {"id": 1, "id": 1}]',), False, id="payload-in-list"),
        pytest.param((), ('"a": {"b": [[{"c": {"d": 0, "d": 0}}]]}',), False, id="payload-deep"),
    ],
)
async def test_really_signed_duplicate_member_name_is_token_invalid(
    header_members: tuple[str, ...], payload_members: tuple[str, ...], first: bool
) -> None:
    token = signed_with_members(header_members, payload_members, first=first)
    assert await reason_for(token) == Reason.TOKEN_INVALID


async def test_really_signed_distinct_nested_members_pass() -> None:
    token = signed_with_members(
        ('"jwk": {"kty": "RSA", "use": "sig"}',),
        ('"org": {"id": "org_1", "role": "admin"}', '"orgs": [{"id": 1}, {"id": 1}]'),
    )
    assert (await pem_verifier(FakeClock()).verify(token)).payload["org"]["role"] == "admin"


@pytest.mark.parametrize(
    ("header_changes", "claim_changes"),
    [
        pytest.param({}, {"exp": math.nan}, id="exp-nan"),
        pytest.param({}, {"exp": math.inf}, id="exp-infinity"),
        pytest.param({}, {"exp": -math.inf}, id="exp-minus-infinity"),
        pytest.param({}, {"nbf": math.inf}, id="nbf-infinity"),
        pytest.param({}, {"score": math.nan}, id="unknown-claim-nan"),
        pytest.param({}, {"limits": [1, {"max": math.inf}]}, id="nested-infinity"),
        pytest.param({"x": math.nan}, {}, id="header-nan"),
        pytest.param({"x": [-math.inf]}, {}, id="header-minus-infinity"),
    ],
)
async def test_really_signed_nan_or_infinity_literal_is_token_invalid(
    header_changes: dict[str, Any], claim_changes: dict[str, Any]
) -> None:
    header, claims = header_and_claims()
    # json.dumps writes the literals NaN, Infinity and -Infinity, which RFC 8259 has not.
    token = sign_json_text(json.dumps(header | header_changes), json.dumps(claims | claim_changes))
    assert await reason_for(token) == Reason.TOKEN_INVALID


@pytest.mark.parametrize(("claim", "literal"), [("exp", "1e999"), ("exp", "-1e999"), ("nbf", "1e400")])
async def test_really_signed_number_overflowing_to_infinity_is_verification_failed(claim: str, literal: str) -> None:
    header, claims = header_and_claims()
    rest = {name: value for name, value in claims.items() if name != claim}
    token = sign_json_text(json.dumps(header), json_with_members(rest, f'"{claim}": {literal}'))
    assert await reason_for(token) == Reason.TOKEN_VERIFICATION_FAILED


@pytest.mark.parametrize(
    ("part", "prefix", "text"),
    [
        pytest.param("payload", b"\xef\xbb\xbf", b"", id="payload-byte-order-mark"),
        pytest.param("header", b"\xef\xbb\xbf", b"", id="header-byte-order-mark"),
        pytest.param("payload", b"", b"\xff", id="payload-invalid-byte"),
        pytest.param("payload", b"", b"\xc0\xaf", id="payload-overlong-slash"),
        pytest.param("payload", b"", b"\xed\xa0\x80", id="payload-encoded-surrogate"),
        pytest.param("payload", b"", b"\xe2\x82", id="payload-truncated-sequence"),
        pytest.param("payload", b"", b"\x80", id="payload-lone-continuation"),
        pytest.param("header", b"", b"\xfe", id="header-invalid-byte"),
    ],
)
async def test_really_signed_json_that_is_not_plain_utf8_is_token_invalid(
    part: str, prefix: bytes, text: bytes
) -> None:
    header, claims = header_and_claims()
    plain = {"header": json.dumps(header), "payload": json.dumps(claims)}
    broken = prefix + plain[part][:-1].encode() + b', "note": "' + text + b'"}'
    texts: dict[str, str | bytes] = plain | {part: broken}
    token = sign_json_text(texts["header"], texts["payload"])
    assert await reason_for(token) == Reason.TOKEN_INVALID


async def test_really_signed_utf8_json_with_white_space_and_escapes_passes() -> None:
    header, claims = header_and_claims()
    payload = " \n" + json.dumps(claims | {"name": "Zo\u00eb \U0001f600"}, ensure_ascii=False)
    escaped = json.dumps(header | {"note": "\U0001f600"})  # a surrogate pair escape
    claims_seen = await pem_verifier(FakeClock()).verify(sign_json_text(escaped + "\t", payload))
    assert claims_seen.name == "Zo\u00eb \U0001f600"
