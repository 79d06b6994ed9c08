"""Keys, issuers and token surgery for the auth core tests."""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
from base64 import urlsafe_b64decode
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from smnb_app.auth import TokenVerifier, VerifierConfig
from smnb_app.providers.dev.issuer import SigningKey, TokenIssuer
from smnb_app.providers.dev.signing import b64url
from tests.support.clock import FakeClock

ISSUER = "https://issuer.test"
ORIGIN = "http://localhost:3000"


@functools.cache
def signing_key(index: int = 0) -> SigningKey:
    """A 2048-bit test key, generated once per process for each index."""
    return SigningKey.generate(kid=f"test-key-{index}")


@functools.cache
def ec_private_key() -> ec.EllipticCurvePrivateKey:
    """A P-256 key for real ES256 signatures."""
    return ec.generate_private_key(ec.SECP256R1())


def issuer_for(clock: FakeClock, key_index: int = 0, issuer: str = ISSUER) -> TokenIssuer:
    """An issuer that stamps tokens with `clock`'s time."""
    return TokenIssuer(issuer, signing_key(key_index), azp=ORIGIN, clock=clock)


def pem_verifier(clock: FakeClock, **overrides: Any) -> TokenVerifier:
    """A networkless verifier trusting `signing_key(0)`."""
    settings: dict[str, Any] = {"issuer": ISSUER, "jwt_key": signing_key(0).public_pem()}
    return TokenVerifier(VerifierConfig(**(settings | overrides)), clock=clock)


def decode_part(part: str) -> dict[str, Any]:
    """The JSON object of a base64url token part."""
    value: dict[str, Any] = json.loads(urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return value


def encode_part(value: Any) -> str:
    """A JSON value as a base64url token part."""
    return b64url(json.dumps(value).encode())


def replace_payload(token: str, **changes: Any) -> str:
    """The token with claims changed after signing, keeping the old signature."""
    header, payload, signature = token.split(".")
    return ".".join((header, encode_part(decode_part(payload) | changes), signature))


def replace_header(token: str, **changes: Any) -> str:
    """The token with header members changed after signing, keeping the old signature."""
    header, payload, signature = token.split(".")
    return ".".join((encode_part(decode_part(header) | changes), payload, signature))


def sign_foreign(header: dict[str, Any], payload: dict[str, Any]) -> str:
    """A token really signed with the algorithm its header names (RS384, ES256) via PyJWT."""
    algorithm = header["alg"]
    key = ec_private_key() if algorithm.startswith("ES") else signing_key(0).private_key
    return jwt.encode(payload, key, algorithm=algorithm, headers=header)


def sign_hs256_with_public_pem(header: dict[str, Any], payload: dict[str, Any]) -> str:
    """The classic key-confusion forgery: HS256 keyed with the RSA public key's PEM bytes."""
    signing_input = f"{encode_part(header | {'alg': 'HS256'})}.{encode_part(payload)}"
    secret = signing_key(0).public_pem().encode()
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(mac)}"
