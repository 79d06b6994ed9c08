"""Pools of hostile tokens, signed once per process, that `TokenVerifier` must refuse.

Each pool is named after the mutant category that draws from it: tokens the trusted key really
signed over a form the verifier must refuse (non-canonical base64url, duplicate member names,
NaN, a byte order mark, invalid UTF-8, `crit`), tokens signed with another algorithm, and
tokens signed with foreign keys. `mutation_material()` holds them with the parts of
`original_token()` that the cheap edits start from.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jwt.algorithms import RSAAlgorithm

from tests.support.auth import (
    decode_part,
    encode_part,
    sign_foreign,
    sign_hs256_with_public_pem,
    signing_key,
)
from tests.support.token_forging import (
    FILLER,
    json_part,
    json_with_members,
    original_token,
    respellings,
    sign_json_text,
    sign_parts,
    small_foreign_key,
)


@dataclass(frozen=True)
class Material:
    """What the mutants start from, built once per process.

    Attributes:
        parts: The header, payload and signature parts of `original_token()`.
        header: Its decoded header.
        claims: Its decoded payload.
        pools: The pre-signed hostile tokens, by the name of the category drawing from them.
    """

    parts: tuple[str, str, str]
    header: dict[str, Any]
    claims: dict[str, Any]
    pools: dict[str, tuple[str, ...]]


@functools.cache
def mutation_material() -> Material:
    """The parts of `original_token()` and the pools, signed on the first call only."""
    header, payload, signature = original_token().split(".")
    base = Material(
        parts=(header, payload, signature),
        header=decode_part(header),
        claims=decode_part(payload),
        pools={},
    )
    builders: dict[str, Callable[[Material], tuple[str, ...]]] = {
        "respelled-signed-part": _respelled_parts,
        "algorithm-swap": _algorithm_swaps,
        "header-injection": _injected_headers,
        "foreign-key": _foreign_signatures,
        "duplicate-members": _duplicate_members,
        "non-rfc8259-json": _non_rfc8259_json,
        "crit-header": _crit_headers,
    }
    return dataclasses.replace(base, pools={name: build(base) for name, build in builders.items()})


def _respelled_parts(material: Material) -> tuple[str, ...]:
    header = material.header | {"fill": FILLER}
    claims = material.claims | {"fill": FILLER}
    tokens = []
    for residue in (2, 3):
        header_part, payload_part = json_part(header, residue), json_part(claims, residue)
        tokens += [sign_parts(spelling, payload_part) for spelling in respellings(header_part)]
        tokens += [sign_parts(header_part, spelling) for spelling in respellings(payload_part)]
    return tuple(tokens)


def _algorithm_swaps(material: Material) -> tuple[str, ...]:
    header, claims = material.header, material.claims
    _, payload, signature = material.parts
    tokens = [
        f"{encode_part(header | {'alg': alg})}.{payload}.{tail}"
        for alg in ("none", "None", "NONE")
        for tail in ("", signature)
    ]
    tokens.append(sign_hs256_with_public_pem(header, claims))
    tokens += [sign_foreign(header | {"alg": alg}, claims) for alg in ("RS384", "RS512", "PS256", "PS512", "ES256")]
    others: list[object] = ["rs256", "RS256 ", "", None, ["RS256"], 256]
    tokens += [sign_parts(encode_part(header | {"alg": alg}), payload) for alg in others]
    without_alg = {name: value for name, value in header.items() if name != "alg"}
    tokens.append(sign_parts(encode_part(without_alg), payload))
    return tuple(tokens)


def _injected_headers(material: Material) -> tuple[str, ...]:
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
    return tuple(sign_parts(encode_part(material.header | members), payload, foreign) for members in injected)


def _foreign_signatures(material: Material) -> tuple[str, ...]:
    header_part, payload_part, _ = material.parts
    admin = encode_part(material.claims | {"sub": "user_admin"})
    tokens = []
    for key in (signing_key(1), small_foreign_key()):
        tokens.append(sign_parts(header_part, payload_part, key))
        tokens.append(sign_parts(header_part, admin, key))
        tokens.append(sign_parts(encode_part(material.header | {"kid": key.kid}), admin, key))
    return tuple(tokens)


def _duplicate_members(material: Material) -> tuple[str, ...]:
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


def _non_rfc8259_json(material: Material) -> tuple[str, ...]:
    header, claims = material.header, material.claims
    header_text, claims_text = json.dumps(header), json.dumps(claims)
    without_exp = {name: value for name, value in claims.items() if name != "exp"}
    payloads: list[str | bytes] = [
        json_with_members(without_exp, f'"exp": {constant}') for constant in ("NaN", "Infinity", "-Infinity")
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


def _crit_headers(material: Material) -> tuple[str, ...]:
    _, payload, _ = material.parts
    headers: list[dict[str, Any]] = [{"crit": value} for value in (["exp"], [], "b64", None, {"b64": False}, ["kid"])]
    headers.append({"crit": ["b64"], "b64": False})
    return tuple(sign_parts(encode_part(material.header | extra), payload) for extra in headers)
