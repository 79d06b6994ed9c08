"""The form and header checks of a compact JWS, done before any key is looked at."""

from __future__ import annotations

import binascii
import functools
import json
import re
from dataclasses import dataclass
from typing import Any

from smnb_app.auth.errors import Reason, TokenVerificationError

# Clerk session tokens are 1-2 KB; the cap keeps hostile input from costing decode time.
MAX_TOKEN_LENGTH = 16_384
SESSION_CATEGORY = "cl_B7d4PD111AAA"
IGNORED_CATEGORY = "cl_I7d4PD111III"
_ACCEPTED_CATEGORIES = frozenset({SESSION_CATEGORY, IGNORED_CATEGORY})
# The signature part may be empty so that an unsigned (`alg: none`) token is reported as such.
_COMPACT_FORM = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")


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

    Form: exactly three base64url parts (no padding) whose first two decode to JSON objects,
    else `token-invalid`. Header: `alg` must be exactly `RS256` (`token-invalid-algorithm`);
    `typ`, when present, must be `JWT` (`token-invalid`); `cat`, when present, must be the
    session category or the ignore marker (`token-type-mismatch`).

    Args:
        token: The compact token.

    Returns:
        The parts needed for key lookup and signature verification.

    Raises:
        TokenVerificationError: With the reason of the first rule that fails.
    """
    if (
        type(token) is not str
        or len(token) > MAX_TOKEN_LENGTH
        or not _COMPACT_FORM.fullmatch(token)
    ):
        raise TokenVerificationError(Reason.TOKEN_INVALID)
    header_part, payload_part, signature_part = token.split(".")
    # Both parts must decode before any header rule applies (form first), whatever their order.
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
    if header.get("alg") != "RS256":
        raise TokenVerificationError(Reason.TOKEN_INVALID_ALGORITHM)
    if "typ" in header and header["typ"] != "JWT":
        raise TokenVerificationError(Reason.TOKEN_INVALID)
    category = header.get("cat", SESSION_CATEGORY)
    if type(category) is not str or category not in _ACCEPTED_CATEGORIES:
        raise TokenVerificationError(Reason.TOKEN_TYPE_MISMATCH)
    kid = header.get("kid")
    return kid if type(kid) is str else None


def _b64decode(part: str) -> bytes:
    # The caller checked the base64url alphabet, so mapping it to standard base64 and padding
    # generously (excess padding is ignored) is an exact decode.
    try:
        return binascii.a2b_base64((part + "==").replace("-", "+").replace("_", "/"))
    except binascii.Error:
        raise TokenVerificationError(Reason.TOKEN_INVALID) from None


def _json_object(part: str) -> dict[str, Any]:
    try:
        # JWS JSON is UTF-8 (RFC 7515); decoding first skips json's encoding detection.
        value = json.loads(_b64decode(part).decode("utf-8"))
    except (ValueError, RecursionError):
        raise TokenVerificationError(Reason.TOKEN_INVALID) from None
    if type(value) is not dict:
        raise TokenVerificationError(Reason.TOKEN_INVALID)
    return value
