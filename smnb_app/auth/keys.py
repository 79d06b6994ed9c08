"""Turning configured or published key material into ready-to-use RSA public keys."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from jwt.algorithms import RSAAlgorithm
from jwt.exceptions import InvalidKeyError

from smnb_app.auth.errors import Reason, TokenVerificationError


class JwksDocumentError(ValueError):
    """A JWKS response that holds no usable signing key."""


def load_pem_key(pem: str) -> RSAPublicKey:
    """Parse a PEM public key once, for networkless verification.

    Args:
        pem: An RSA public key in PEM form (SubjectPublicKeyInfo or PKCS#1). Line breaks may be
            missing or escaped as backslash-n, as environment files often carry them.

    Returns:
        The public key.

    Raises:
        TokenVerificationError: `jwk-failed-to-resolve` when the text is not an RSA public key.
    """
    try:
        key = load_pem_public_key(pem.replace("\\n", "\n").strip().encode())
    except (ValueError, TypeError, UnicodeError):
        raise TokenVerificationError(
            Reason.JWK_FAILED_TO_RESOLVE, "The configured jwt_key is not a PEM public key."
        ) from None
    if not isinstance(key, RSAPublicKey):
        raise TokenVerificationError(Reason.JWK_FAILED_TO_RESOLVE, "The configured jwt_key is not an RSA key.")
    return key


def parse_jwks(body: bytes) -> dict[str, RSAPublicKey]:
    """Parse a JWKS document into public keys by `kid`, each key parsed exactly once.

    Keys that cannot sign RS256 session tokens (not RSA, `use` other than `sig`, `alg` other
    than RS256, no `kid`, malformed) are skipped rather than failing the whole document.

    Args:
        body: The raw response body.

    Returns:
        The usable keys, by key id.

    Raises:
        JwksDocumentError: The body is not JSON, has no `keys` list, or no usable key.
    """
    try:
        document = json.loads(body)
    except ValueError:
        raise JwksDocumentError("the JWKS response is not JSON") from None
    entries = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(entries, list) or not entries:
        raise JwksDocumentError("the JWKS response has no keys")
    keys = {}
    for entry in entries:
        if _usable(entry) and (key := _rsa_key(entry)) is not None:
            keys[entry["kid"]] = key
    if not keys:
        raise JwksDocumentError("the JWKS response has no usable RS256 signing key")
    return keys


def _usable(entry: Any) -> bool:
    return (
        isinstance(entry, Mapping)
        and entry.get("kty") == "RSA"
        and entry.get("use", "sig") == "sig"
        and entry.get("alg", "RS256") == "RS256"
        and isinstance(entry.get("kid"), str)
    )


def _rsa_key(entry: Mapping[str, Any]) -> RSAPublicKey | None:
    try:
        key = RSAAlgorithm.from_jwk(dict(entry))
    except (InvalidKeyError, ValueError, TypeError, KeyError):
        return None
    # A JWK that carries private parameters parses as a private key; only its public half is used.
    if isinstance(key, RSAPrivateKey):
        return key.public_key()
    return key


class PemKeySource:
    """The single configured PEM key, whatever the token's `kid`: networkless."""

    def __init__(self, pem: str) -> None:
        """Parse `pem` once.

        Raises:
            TokenVerificationError: `jwk-failed-to-resolve` when it is not an RSA public key.
        """
        self._key = load_pem_key(pem)

    def cached(self, kid: str | None) -> RSAPublicKey:
        """The configured key."""
        return self._key

    async def get(self, kid: str | None) -> RSAPublicKey:
        """The configured key."""
        return self._key

    def get_sync(self, kid: str | None) -> RSAPublicKey:
        """The configured key."""
        return self._key
