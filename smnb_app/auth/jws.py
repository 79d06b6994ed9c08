"""The form and header checks of a compact JWS, done before any key is looked at."""

from __future__ import annotations

import binascii
import functools
import json
import re
import string
from dataclasses import dataclass
from typing import Any, NoReturn

from smnb_app.auth.errors import Reason, TokenVerificationError

# Clerk session tokens are 1-2 KB; the cap keeps hostile input from costing decode time.
MAX_TOKEN_LENGTH = 16_384
SESSION_CATEGORY = "cl_B7d4PD111AAA"
IGNORED_CATEGORY = "cl_I7d4PD111III"
_ACCEPTED_CATEGORIES = frozenset({SESSION_CATEGORY, IGNORED_CATEGORY})
# The signature part may be empty so that an unsigned (`alg: none`) token is reported as such.
_COMPACT_FORM = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
_BASE64URL_ALPHABET = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
# By a part's length modulo 4, the characters a canonical part may end with (None: any).
# A last character that carries 4 (after 2) or 2 (after 3) unused bits must leave them zero,
# so that each byte string has exactly one spelling; a part of 4n + 1 characters is no
# base64 at all.
_CANONICAL_ENDINGS: tuple[frozenset[str] | None, ...] = (
    None,
    frozenset(),
    frozenset(_BASE64URL_ALPHABET[::16]),
    frozenset(_BASE64URL_ALPHABET[::4]),
)


@dataclass(frozen=True, slots=True)
class ParsedToken:
    """A token whose form and header passed; its signature is not checked yet.

    Attributes:
        kid: The header's key id, or None when absent or not a string.
        payload: The decoded claims.
        signing_input: The bytes the signature covers (`header.payload`).
        signature: The decoded signature.
    """

    kid: str | None
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes


def parse_token(token: str) -> ParsedToken:
    """Decode a compact JWS and apply the header rules, in Clerk's order.

    Form: exactly three parts, each the canonical unpadded base64url of its bytes (the
    alphabet `A-Z a-z 0-9 - _` only, no `=`, unused trailing bits zero), the first two decoding
    to UTF-8 JSON objects (RFC 8259: no `NaN` or `Infinity`, no byte order mark) with no member
    name twice in any object, else `token-invalid`. Header: a `crit` member, whatever its value,
    is `token-invalid` (no extension is understood, RFC 7515 4.1.11); `alg` must be exactly
    `RS256` (`token-invalid-algorithm`); `typ`, when present, must be `JWT` (`token-invalid`);
    `cat`, when present, must be the session category or the ignore marker
    (`token-type-mismatch`).

    Args:
        token: The compact token.

    Returns:
        The parts needed for key lookup and signature verification.

    Raises:
        TokenVerificationError: With the reason of the first rule that fails.
    """
    if type(token) is not str or len(token) > MAX_TOKEN_LENGTH or not _COMPACT_FORM.fullmatch(token):
        raise TokenVerificationError(Reason.TOKEN_INVALID)
    header_part, payload_part, signature_part = token.split(".")
    if not (_is_canonical(header_part) and _is_canonical(payload_part) and _is_canonical(signature_part)):
        raise TokenVerificationError(Reason.TOKEN_INVALID)
    # Form first: all three parts are canonical (above, so the signature decodes) and both JSON
    # parts decode before any header rule applies, whatever their order.
    payload = _json_object(payload_part)
    return ParsedToken(
        kid=_header_kid(header_part),
        payload=payload,
        signing_input=token[: len(header_part) + 1 + len(payload_part)].encode("ascii"),
        signature=_b64decode(signature_part),
    )


# Tokens of one issuer share a few header parts: remembering the accepted ones saves a decode
# per token. Rejections raise, and lru_cache does not remember those.
@functools.lru_cache(maxsize=64)
def _header_kid(header_part: str) -> str | None:
    """Decode the header and apply its rules; return the `kid` when it is a string."""
    header = _json_object(header_part)
    # No extension is understood, so a header that names critical ones cannot be read at all,
    # not even its `alg`: like a malformed header, it is `token-invalid`.
    if "crit" in header:
        raise TokenVerificationError(Reason.TOKEN_INVALID)
    if header.get("alg") != "RS256":
        raise TokenVerificationError(Reason.TOKEN_INVALID_ALGORITHM)
    if "typ" in header and header["typ"] != "JWT":
        raise TokenVerificationError(Reason.TOKEN_INVALID)
    category = header.get("cat", SESSION_CATEGORY)
    if type(category) is not str or category not in _ACCEPTED_CATEGORIES:
        raise TokenVerificationError(Reason.TOKEN_TYPE_MISMATCH)
    kid = header.get("kid")
    return kid if type(kid) is str else None


def _is_canonical(part: str) -> bool:
    """Whether `part`, already known to be in the base64url alphabet, is canonical."""
    endings = _CANONICAL_ENDINGS[len(part) & 3]
    return endings is None or part[-1] in endings


def _b64decode(part: str) -> bytes:
    # The caller checked the base64url alphabet, so mapping it to standard base64 and padding
    # generously (excess padding is ignored) is an exact decode.
    try:
        return binascii.a2b_base64((part + "==").replace("-", "+").replace("_", "/"))
    except binascii.Error:
        raise TokenVerificationError(Reason.TOKEN_INVALID) from None


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members = dict(pairs)
    if len(members) != len(pairs):
        raise ValueError("a member name occurs twice")
    return members


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


# Called for every object, nested ones too; `parse_constant` sees NaN, Infinity and -Infinity.
# A byte order mark is refused too: it decodes to U+FEFF, which the grammar does not allow.
_STRICT_JSON = json.JSONDecoder(object_pairs_hook=_unique_members, parse_constant=_refuse_constant)


def _json_object(part: str) -> dict[str, Any]:
    try:
        # JWS JSON is UTF-8 (RFC 7515); decoding first skips json's encoding detection.
        value = _STRICT_JSON.decode(_b64decode(part).decode("utf-8"))
    except (ValueError, RecursionError):
        raise TokenVerificationError(Reason.TOKEN_INVALID) from None
    if type(value) is not dict:
        raise TokenVerificationError(Reason.TOKEN_INVALID)
    return value
