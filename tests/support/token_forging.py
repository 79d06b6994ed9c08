"""Forging session tokens over exact spellings, for the form checks of `TokenVerifier`.

The trusted key signs header and payload parts exactly as they are spelled (`sign_parts`) or
JSON texts exactly as they are written (`sign_json_text`), so a verifier meets really signed
tokens that are non-canonical base64url, carry duplicate member names or NaN. The spelling
helpers give the other base64url spellings of a part's bytes; `original_token` is the valid
token the fuzz mutates.
"""

from __future__ import annotations

import functools
import json
import string
from collections.abc import Mapping
from typing import Any

from smnb_app.providers.dev.issuer import SigningKey
from smnb_app.providers.dev.signing import b64url
from tests.support.auth import issuer_for, signing_key
from tests.support.clock import FakeClock

BASE64URL_ALPHABET = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
# Six '?' (0x3f) or '>' (0x3e) bytes in a row hold an aligned triple whatever the offset, and
# those encode as "Pz8_" and "Pj4-": a part carrying this has both '-' and '_' to respell.
FILLER = "??????>>>>>>"


def sign_parts(header_part: str, payload_part: str, key: SigningKey | None = None) -> str:
    """A token whose RS256 signature covers the two parts exactly as they are spelled.

    Args:
        header_part: The header part, canonical base64url or not.
        payload_part: The payload part, canonical base64url or not.
        key: The signing key; the trusted `signing_key(0)` when None.

    Returns:
        The compact token, its signature part canonical.
    """
    signing_input = f"{header_part}.{payload_part}"
    signature = (key or signing_key(0)).sign(signing_input.encode("ascii"))
    return f"{signing_input}.{b64url(signature)}"


def sign_json_text(header: str | bytes, payload: str | bytes) -> str:
    """A token the trusted key signed over two JSON texts taken byte for byte as written.

    Args:
        header: The header text (str is encoded as UTF-8), duplicates, NaN and all.
        payload: The payload text, likewise.

    Returns:
        The compact token.
    """
    return sign_parts(b64url(_utf8(header)), b64url(_utf8(payload)))


def json_part(value: Mapping[str, Any], residue: int) -> str:
    """`value` as a canonical part whose length is `residue` (0, 2 or 3) modulo 4.

    JSON allows trailing white space, so spaces are added until the length fits.

    Args:
        value: The JSON object.
        residue: The wanted length modulo 4.

    Returns:
        The base64url part.

    Raises:
        ValueError: `residue` is not 0, 2 or 3 (no base64 is 4n + 1 long).
    """
    if residue not in (0, 2, 3):
        raise ValueError("a base64url part is never 1 character longer than a multiple of 4")
    text = json.dumps(value)
    while len(part := b64url(text.encode())) % 4 != residue:
        text += " "
    return part


def json_with_members(value: Mapping[str, Any], *members: str, first: bool = False) -> str:
    """`value` as JSON text with raw members added, as written: duplicates and NaN stay.

    Args:
        value: A non-empty JSON object.
        members: Raw `"name": value` texts.
        first: Put them before `value`'s own members (Python's json keeps the last of
            duplicate names, other parsers the first) instead of after.

    Returns:
        The JSON text.
    """
    text = json.dumps(value)
    if not members:
        return text
    if first:
        return "{" + ", ".join(members) + ", " + text[1:]
    return text[:-1] + ", " + ", ".join(members) + "}"


def padded(part: str) -> str:
    """`part` with the `=` padding of standard base64 (unchanged when none is due)."""
    return part + "=" * (-len(part) % 4)


def standard_alphabet(part: str) -> str:
    """`part` spelled with `+` and `/` instead of `-` and `_`."""
    return part.translate(str.maketrans("-_", "+/"))


def trailing_bit_spellings(part: str) -> list[str]:
    """Every other spelling of `part`'s bytes that sets some unused trailing bits.

    Args:
        part: A canonical part.

    Returns:
        15 spellings for a length of 2 modulo 4, 3 for 3, none for 0.
    """
    unused = {0: 0, 2: 15, 3: 3}[len(part) % 4]
    last = BASE64URL_ALPHABET.index(part[-1]) if part else 0
    return [part[:-1] + BASE64URL_ALPHABET[last + bits] for bits in range(1, unused + 1)]


def respellings(part: str) -> list[str]:
    """The spellings of `part`'s bytes that differ from it: padded, `+/`, trailing bits set."""
    spellings = [padded(part), standard_alphabet(part), *trailing_bit_spellings(part)]
    return [spelling for spelling in spellings if spelling != part]


@functools.cache
def original_token() -> str:
    """The valid token every edit starts from: `pem_verifier(FakeClock())` accepts it."""
    return issuer_for(FakeClock()).issue(sub="user_fuzz", sid="sess_fuzz", name="Fuzz User", email="fuzz@example.com")


@functools.cache
def small_foreign_key() -> SigningKey:
    """A 1024-bit foreign key: its signatures are shorter than the trusted key's."""
    return SigningKey.generate(kid="foreign-1024", key_size=1024)


def _utf8(text: str | bytes) -> bytes:
    return text if isinstance(text, bytes) else text.encode()
