"""Mutants of one valid session token, for fuzzing `TokenVerifier`: it must refuse them all.

`mutants(seed, count)` yields `(category, token)` pairs, taking the categories in turn. Each
mutant is built from `original_token()` (valid for `pem_verifier(FakeClock())`) by a cheap
edit, or drawn from a pool signed once per process: tokens the trusted key really signed over
a form the verifier must refuse (non-canonical base64url, duplicate member names, NaN, a byte
order mark, invalid UTF-8, `crit`), tokens signed with another algorithm, and tokens signed with
foreign keys. `tally` runs mutants through a verifier; the unit fuzz and `bench/fuzz_tokens.py`
share all of it.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import random
import string
from base64 import urlsafe_b64decode
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from jwt.algorithms import RSAAlgorithm

from smnb_app.auth import Reason, TokenVerificationError, TokenVerifier
from smnb_app.providers.dev.issuer import SigningKey
from smnb_app.providers.dev.signing import b64url
from tests.support.auth import (
    decode_part,
    encode_part,
    issuer_for,
    sign_foreign,
    sign_hs256_with_public_pem,
    signing_key,
)
from tests.support.clock import FakeClock

BASE64URL_ALPHABET = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
ACCEPTED = "accepted"
CRASH_PREFIX = "crash:"
# Six '?' (0x3f) or '>' (0x3e) bytes in a row hold an aligned triple whatever the offset, and
# those encode as "Pz8_" and "Pj4-": a part carrying this has both '-' and '_' to respell.
FILLER = "??????>>>>>>"
# Characters outside the base64url alphabet that a careless check might let through or choke
# on: lone surrogates, NUL, look-alike letters and digits, invisible and non-BMP characters.
ODD_CHARACTERS = (
    "\ud800\udbff\udc00\udfff\x00\x01\x7f\x80\xff\u0130\u0131\u212a\uff21\u0663\u200b"
    "\ufffd\U0001f600\U0010ffff=+/!$*~\\\"'{}%"
)
WHITESPACE = " \t\n\r\x0b\x0c\x1c\x85\xa0\u1680\u2000\u2028\u2029\u202f\u3000\ufeff"

_INVALID = frozenset({Reason.TOKEN_INVALID.value})
_SIGNATURE = frozenset({Reason.TOKEN_INVALID_SIGNATURE.value})
_ALGORITHM = frozenset({Reason.TOKEN_INVALID_ALGORITHM.value})
_ANY_REFUSAL = frozenset(reason.value for reason in Reason)


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
    return issuer_for(FakeClock()).issue(
        sub="user_fuzz", sid="sess_fuzz", name="Fuzz User", email="fuzz@example.com"
    )


@functools.cache
def small_foreign_key() -> SigningKey:
    """A 1024-bit foreign key: its signatures are shorter than the trusted key's."""
    return SigningKey.generate(kid="foreign-1024", key_size=1024)


@dataclass(frozen=True)
class _Material:
    """What the edits start from, built once per process."""

    parts: tuple[str, str, str]
    header: dict[str, Any]
    claims: dict[str, Any]
    pools: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Category:
    """A kind of mutant and the refusals it may meet.

    Attributes:
        name: Names the category in tallies.
        make: Builds one mutant from a random source and the shared material.
        reasons: The reason codes a verifier may answer with.
    """

    name: str
    make: Callable[[random.Random, _Material], object]
    reasons: frozenset[str]


def _segment_flip(rng: random.Random, material: _Material) -> str:
    parts = list(material.parts)
    index = rng.randrange(3)
    data = bytearray(_decode(parts[index]))
    data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    parts[index] = b64url(bytes(data))
    return ".".join(parts)


def _text_flip(rng: random.Random, material: _Material) -> str:
    token = ".".join(material.parts)
    position = rng.randrange(len(token))
    flipped = chr(ord(token[position]) ^ (1 << rng.randrange(8)))
    return token[:position] + flipped + token[position + 1 :]


def _signature_respelling(rng: random.Random, material: _Material) -> str:
    header, payload, signature = material.parts
    return f"{header}.{payload}.{rng.choice(respellings(signature))}"


def _length_one_past_quad(rng: random.Random, material: _Material) -> str:
    parts = list(material.parts)
    index = rng.randrange(3)
    part = parts[index]
    # A canonical part is never 4n + 1 long, so both amounts are 1 to 3.
    if rng.random() < 0.5:
        parts[index] = part[: len(part) - (len(part) - 1) % 4]
    else:
        parts[index] = part + "".join(rng.choices(BASE64URL_ALPHABET, k=(1 - len(part)) % 4))
    return ".".join(parts)


def _header_injection(rng: random.Random, material: _Material) -> str:
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


def _truncation(rng: random.Random, material: _Material) -> str:
    token = ".".join(material.parts)
    start = rng.randrange(len(token))
    kind = rng.randrange(3)
    if kind == 0:
        return token[:start]
    if kind == 1:
        return token[start + 1 :]
    return token[:start] + token[start + 1 + rng.randrange(min(32, len(token) - start)) :]


def _extra_segments(rng: random.Random, material: _Material) -> str:
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


def _insert(rng: random.Random, material: _Material, characters: str) -> str:
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


def _whitespace(rng: random.Random, material: _Material) -> str:
    return _insert(rng, material, WHITESPACE)


def _odd_character(rng: random.Random, material: _Material) -> str:
    if rng.random() < 0.75:
        return _insert(rng, material, ODD_CHARACTERS)
    character = chr(rng.randrange(0x110000))
    while character in BASE64URL_ALPHABET or character == ".":
        character = chr(rng.randrange(0x110000))
    token = ".".join(material.parts)
    position = rng.randrange(len(token) + 1)
    return token[:position] + character + token[position:]


class TokenText(str):
    """A str subclass: the verifier takes an exact `str` only, even one spelling a valid token."""

    __slots__ = ()


def _non_string(rng: random.Random, material: _Material) -> object:
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


def _random_text(rng: random.Random, material: _Material) -> str:
    if rng.random() < 0.5:
        return "".join(chr(rng.randrange(0x110000)) for _ in range(rng.randrange(0, 48)))
    alphabet = BASE64URL_ALPHABET + "." if rng.random() < 0.5 else string.printable
    return "".join(rng.choices(alphabet, k=rng.randrange(0, 400)))


def _from_pool(name: str) -> Callable[[random.Random, _Material], object]:
    def draw(rng: random.Random, material: _Material) -> object:
        return rng.choice(material.pools[name])

    return draw


CATEGORIES: tuple[Category, ...] = (
    Category("flip-decoded-bytes", _segment_flip, _ANY_REFUSAL),
    Category("flip-base64-text", _text_flip, _ANY_REFUSAL),
    Category("respelled-signed-part", _from_pool("respelled-signed-part"), _INVALID),
    Category("respelled-signature", _signature_respelling, _INVALID),
    Category("length-4n+1", _length_one_past_quad, _INVALID),
    Category("algorithm-swap", _from_pool("algorithm-swap"), _ALGORITHM),
    Category("header-injection", _header_injection, _SIGNATURE),
    Category("foreign-key", _from_pool("foreign-key"), _SIGNATURE),
    Category("truncation", _truncation, _ANY_REFUSAL),
    Category("extra-segments", _extra_segments, _INVALID),
    Category("whitespace", _whitespace, _INVALID),
    Category("odd-characters", _odd_character, _INVALID),
    Category("duplicate-members", _from_pool("duplicate-members"), _INVALID),
    Category("non-rfc8259-json", _from_pool("non-rfc8259-json"), _INVALID),
    Category("crit-header", _from_pool("crit-header"), _INVALID),
    Category("non-string", _non_string, _INVALID),
    Category("random-text", _random_text, _INVALID),
)
REASONS_BY_CATEGORY: dict[str, frozenset[str]] = {
    category.name: category.reasons for category in CATEGORIES
}


def mutants(seed: int, count: int) -> Iterator[tuple[str, object]]:
    """Yield `count` mutants of `original_token()`, the categories in turn.

    The same seed gives the same edits; the keys, and so the signatures, are new per process.

    Args:
        seed: Seeds the random choices.
        count: How many mutants to yield.

    Yields:
        `(category, token)`; the token may be any object, never the original `str`.
    """
    material = _material()
    rng = random.Random(seed)
    for index in range(count):
        category = CATEGORIES[index % len(CATEGORIES)]
        yield category.name, category.make(rng, material)


def verdict(verifier: TokenVerifier, token: object) -> str:
    """What `verify_sync` made of `token`.

    Args:
        verifier: The verifier under test.
        token: Anything.

    Returns:
        The reason code of the refusal, `accepted`, or `crash:` and the name of any other
        exception.
    """
    try:
        verifier.verify_sync(token)  # type: ignore[arg-type]
    except TokenVerificationError as error:
        return error.reason.value
    except Exception as error:  # noqa: BLE001 - a fuzz counts crashes instead of stopping
        return CRASH_PREFIX + type(error).__name__
    return ACCEPTED


def tally(verifier: TokenVerifier, pairs: Iterable[tuple[str, object]]) -> Counter[tuple[str, str]]:
    """Count the verdicts per category.

    Args:
        verifier: The verifier under test.
        pairs: `(category, token)` pairs, as `mutants` yields them.

    Returns:
        How often each `(category, verdict)` occurred.
    """
    return Counter((category, verdict(verifier, token)) for category, token in pairs)


def format_tally(counts: Counter[tuple[str, str]]) -> str:
    """One line per category: its total, then each verdict's count, most frequent first."""
    by_category: dict[str, Counter[str]] = {}
    for (category, outcome), number in counts.items():
        by_category.setdefault(category, Counter())[outcome] += number
    lines = []
    for category, outcomes in sorted(by_category.items()):
        detail = " ".join(f"{outcome}={number}" for outcome, number in outcomes.most_common())
        lines.append(f"{category:<22} {outcomes.total():>7}  {detail}")
    return "\n".join(lines)


def _utf8(text: str | bytes) -> bytes:
    return text if isinstance(text, bytes) else text.encode()


def _decode(part: str) -> bytes:
    return urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _respelled_parts(material: _Material) -> tuple[str, ...]:
    header = material.header | {"fill": FILLER}
    claims = material.claims | {"fill": FILLER}
    tokens = []
    for residue in (2, 3):
        header_part, payload_part = json_part(header, residue), json_part(claims, residue)
        tokens += [sign_parts(spelling, payload_part) for spelling in respellings(header_part)]
        tokens += [sign_parts(header_part, spelling) for spelling in respellings(payload_part)]
    return tuple(tokens)


def _algorithm_swaps(material: _Material) -> tuple[str, ...]:
    header, claims = material.header, material.claims
    _, payload, signature = material.parts
    tokens = [
        f"{encode_part(header | {'alg': alg})}.{payload}.{tail}"
        for alg in ("none", "None", "NONE")
        for tail in ("", signature)
    ]
    tokens.append(sign_hs256_with_public_pem(header, claims))
    tokens += [
        sign_foreign(header | {"alg": alg}, claims)
        for alg in ("RS384", "RS512", "PS256", "PS512", "ES256")
    ]
    others: list[object] = ["rs256", "RS256 ", "", None, ["RS256"], 256]
    tokens += [sign_parts(encode_part(header | {"alg": alg}), payload) for alg in others]
    without_alg = {name: value for name, value in header.items() if name != "alg"}
    tokens.append(sign_parts(encode_part(without_alg), payload))
    return tuple(tokens)


def _injected_headers(material: _Material) -> tuple[str, ...]:
    foreign = signing_key(1)
    jwk = json.loads(RSAAlgorithm.to_jwk(foreign.private_key.public_key()))
    injected = (
        {"jwk": jwk | {"kid": foreign.kid}},
        {"jku": "https://attacker.example/.well-known/jwks.json"},
        {"x5u": "https://attacker.example/cert.pem"},
        {"kid": foreign.kid},
        {"kid": "../../../../dev/null"},
        {"jku": "https://attacker.example/jwks.json", "kid": foreign.kid, "jwk": jwk},
    )
    _, payload, _ = material.parts
    return tuple(
        sign_parts(encode_part(material.header | members), payload, foreign)
        for members in injected
    )


def _foreign_signatures(material: _Material) -> tuple[str, ...]:
    header_part, payload_part, _ = material.parts
    admin = encode_part(material.claims | {"sub": "user_admin"})
    tokens = []
    for key in (signing_key(1), small_foreign_key()):
        tokens.append(sign_parts(header_part, payload_part, key))
        tokens.append(sign_parts(header_part, admin, key))
        tokens.append(sign_parts(encode_part(material.header | {"kid": key.kid}), admin, key))
    return tuple(tokens)


def _duplicate_members(material: _Material) -> tuple[str, ...]:
    header, claims = material.header, material.claims
    header_text, claims_text = json.dumps(header), json.dumps(claims)
    decoys = {
        "alg": "none",
        "typ": "at+jwt",
        "kid": "other",
        "cat": "cl_B7d4PD222AAA",
        "sub": "user_admin",
        "sid": "sess_other",
        "iss": "https://attacker.example",
        "azp": "https://attacker.example",
        "exp": 4_102_444_800,
    }
    tokens = []
    for name, decoy in decoys.items():
        # Python keeps the last of duplicates: the valid value goes last, the decoy first.
        for first in ((header | claims)[name], decoy):
            member = f"{json.dumps(name)}: {json.dumps(first)}"
            if name in header:
                texts = (json_with_members(header, member, first=True), claims_text)
            else:
                texts = (header_text, json_with_members(claims, member, first=True))
            tokens.append(sign_json_text(*texts))
    nested = (
        '"org": {"id": "org_1", "role": "admin", "id": "org_2"}',
        '"orgs": [{"id": "org_1", "id": "org_1"}]',
        '"a": {"b": {"c": [1, {"d": 1, "d": 2}]}}',
        '"\\u0073ub": "user_admin"',
    )
    tokens += [sign_json_text(header_text, json_with_members(claims, member)) for member in nested]
    tokens.append(sign_json_text(json_with_members(header, '"\\u0061lg": "RS256"'), claims_text))
    return tuple(tokens)


def _non_rfc8259_json(material: _Material) -> tuple[str, ...]:
    header, claims = material.header, material.claims
    header_text, claims_text = json.dumps(header), json.dumps(claims)
    without_exp = {name: value for name, value in claims.items() if name != "exp"}
    payloads: list[str | bytes] = [
        json_with_members(without_exp, f'"exp": {constant}')
        for constant in ("NaN", "Infinity", "-Infinity")
    ]
    payloads += [
        json_with_members(claims, '"score": NaN'),
        json_with_members(claims, '"limits": [1, Infinity]'),
        b"\xef\xbb\xbf" + claims_text.encode(),
    ]
    payloads += [
        claims_text[:-1].encode() + b', "nickname": "' + bad + b'"}'
        for bad in (b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82", b"\x80")
    ]
    tokens = [sign_json_text(header_text, payload) for payload in payloads]
    headers: list[str | bytes] = [
        json_with_members(header, '"x": NaN'),
        b"\xef\xbb\xbf" + header_text.encode(),
        header_text[:-1].encode() + b', "x": "\xfe"}',
    ]
    tokens += [sign_json_text(text, claims_text) for text in headers]
    return tuple(tokens)


def _crit_headers(material: _Material) -> tuple[str, ...]:
    _, payload, _ = material.parts
    headers: list[dict[str, Any]] = [
        {"crit": value} for value in (["exp"], [], "b64", None, {"b64": False}, ["kid"])
    ]
    headers.append({"crit": ["b64"], "b64": False})
    return tuple(sign_parts(encode_part(material.header | extra), payload) for extra in headers)


@functools.cache
def _material() -> _Material:
    header, payload, signature = original_token().split(".")
    base = _Material(
        parts=(header, payload, signature),
        header=decode_part(header),
        claims=decode_part(payload),
        pools={},
    )
    builders: dict[str, Callable[[_Material], tuple[str, ...]]] = {
        "respelled-signed-part": _respelled_parts,
        "algorithm-swap": _algorithm_swaps,
        "header-injection": _injected_headers,
        "foreign-key": _foreign_signatures,
        "duplicate-members": _duplicate_members,
        "non-rfc8259-json": _non_rfc8259_json,
        "crit-header": _crit_headers,
    }
    return dataclasses.replace(base, pools={name: build(base) for name, build in builders.items()})
