"""Cheap edits of the valid session token, each one mutant per call, for fuzzing `TokenVerifier`.

Every edit takes the random source and the shared `Material` (the parts of `original_token()`
and the hostile pools) and returns one mutant: a token with flipped bits, a respelled
signature, a bad length, an injected header member, cuts, extra segments, white space or odd
characters, a non-string, or random text. The verifier must refuse them all.
"""

from __future__ import annotations

import random
import string
from base64 import urlsafe_b64decode

from smnb_app.providers.dev.signing import b64url
from tests.support.auth import encode_part
from tests.support.hostile_token_pools import Material
from tests.support.token_forging import BASE64URL_ALPHABET, respellings

# Characters outside the base64url alphabet that a careless check might let through or choke
# on: lone surrogates, NUL, look-alike letters and digits, invisible and non-BMP characters.
ODD_CHARACTERS = (
    "\ud800\udbff\udc00\udfff\x00\x01\x7f\x80\xff\u0130\u0131\u212a\uff21\u0663\u200b"
    "\ufffd\U0001f600\U0010ffff=+/!$*~\\\"'{}%"
)
WHITESPACE = " \t\n\r\x0b\x0c\x1c\x85\xa0\u1680\u2000\u2028\u2029\u202f\u3000\ufeff"


class TokenText(str):
    """A str subclass: the verifier takes an exact `str` only, even one spelling a valid token."""

    __slots__ = ()


def segment_flip(rng: random.Random, material: Material) -> str:
    """The token with one bit flipped in the decoded bytes of one part, re-encoded."""
    parts = list(material.parts)
    index = rng.randrange(3)
    data = bytearray(_decode(parts[index]))
    data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    parts[index] = b64url(bytes(data))
    return ".".join(parts)


def text_flip(rng: random.Random, material: Material) -> str:
    """The token with one bit flipped in one of its characters."""
    token = ".".join(material.parts)
    position = rng.randrange(len(token))
    flipped = chr(ord(token[position]) ^ (1 << rng.randrange(8)))
    return token[:position] + flipped + token[position + 1 :]


def signature_respelling(rng: random.Random, material: Material) -> str:
    """The token with its signature part spelled another way over the same bytes."""
    header, payload, signature = material.parts
    return f"{header}.{payload}.{rng.choice(respellings(signature))}"


def length_one_past_quad(rng: random.Random, material: Material) -> str:
    """The token with one part cut or lengthened to 4n + 1 characters."""
    parts = list(material.parts)
    index = rng.randrange(3)
    part = parts[index]
    # A canonical part is never 4n + 1 long, so both amounts are 1 to 3.
    if rng.random() < 0.5:
        parts[index] = part[: len(part) - (len(part) - 1) % 4]
    else:
        parts[index] = part + "".join(rng.choices(BASE64URL_ALPHABET, k=(1 - len(part)) % 4))
    return ".".join(parts)


def header_injection(rng: random.Random, material: Material) -> str:
    """A key-locating header member added: signed by a foreign key, or the old signature kept."""
    if rng.random() < 0.5:
        return rng.choice(material.pools["header-injection"])
    member = rng.choice(("jku", "x5u", "jwk", "kid", "x5c", "x5t"))
    value = rng.choice(
        (
            "https://attacker.example/jwks.json",
            "../../../../dev/null",
            "' OR '1'='1",
            {"kty": "oct", "k": "c2VjcmV0"},
            ["MIIB"],
            12345,
            None,
            "".join(rng.choices(BASE64URL_ALPHABET, k=rng.randrange(1, 40))),
        )
    )
    _, payload, signature = material.parts
    return f"{encode_part(material.header | {member: value})}.{payload}.{signature}"


def truncation(rng: random.Random, material: Material) -> str:
    """The token cut at a random place: its head, its tail, or with a run taken out."""
    token = ".".join(material.parts)
    start = rng.randrange(len(token))
    kind = rng.randrange(3)
    if kind == 0:
        return token[:start]
    if kind == 1:
        return token[start + 1 :]
    return token[:start] + token[start + 1 + rng.randrange(min(32, len(token) - start)) :]


def extra_segments(rng: random.Random, material: Material) -> str:
    """The token with segments or dots added, repeated or empty."""
    header, payload, signature = material.parts
    token = f"{header}.{payload}.{signature}"
    noise = "".join(rng.choices(BASE64URL_ALPHABET, k=rng.randrange(0, 24)))
    return rng.choice(
        (
            f"{token}.{noise}",
            f"{token}.",
            f".{token}",
            f"{header}.{payload}.{payload}.{signature}",
            f"{header}..{noise}.{payload}.{signature}",
            f"{token}.{token}",
            token.replace(".", "..", 1),
            f"{header}.{payload}.{signature}.{signature}",
        )
    )


def whitespace(rng: random.Random, material: Material) -> str:
    """The token with a white space character added at an end, inside, or over one of its own."""
    return _insert(rng, material, WHITESPACE)


def odd_character(rng: random.Random, material: Material) -> str:
    """The token with a character from outside its alphabet added, or put over one of its own."""
    if rng.random() < 0.75:
        return _insert(rng, material, ODD_CHARACTERS)
    character = chr(rng.randrange(0x110000))
    while character in BASE64URL_ALPHABET or character == ".":
        character = chr(rng.randrange(0x110000))
    token = ".".join(material.parts)
    position = rng.randrange(len(token) + 1)
    return token[:position] + character + token[position:]


def non_string(rng: random.Random, material: Material) -> object:
    """Anything but an exact `str`: None, bytes, numbers, containers, a `TokenText`."""
    token = ".".join(material.parts)
    return rng.choice(
        (
            None,
            token.encode(),
            bytearray(token.encode()),
            memoryview(token.encode()),
            0,
            -1,
            2**70,
            1.5,
            float("nan"),
            True,
            {},
            {"token": token},
            [],
            list(material.parts),
            tuple(material.parts),
            object(),
            TokenText(token),
        )
    )


def random_text(rng: random.Random, material: Material) -> str:
    """Text owing nothing to the token: any code points, or base64url and dots, or printable."""
    if rng.random() < 0.5:
        return "".join(chr(rng.randrange(0x110000)) for _ in range(rng.randrange(0, 48)))
    alphabet = BASE64URL_ALPHABET + "." if rng.random() < 0.5 else string.printable
    return "".join(rng.choices(alphabet, k=rng.randrange(0, 400)))


def _insert(rng: random.Random, material: Material, characters: str) -> str:
    token = ".".join(material.parts)
    character = rng.choice(characters)
    where = rng.randrange(4)
    if where == 0:
        return character + token
    if where == 1:
        return token + character
    position = rng.randrange(len(token) + 1)
    if where == 2:
        return token[:position] + character + token[position:]
    return token[:position] + character + token[position + 1 :]


def _decode(part: str) -> bytes:
    return urlsafe_b64decode(part + "=" * (-len(part) % 4))
