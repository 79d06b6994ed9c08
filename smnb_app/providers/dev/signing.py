"""RSA signing keys for RS256 tokens, persisted as PEM and published as a JWKS."""

from __future__ import annotations

import json
import os
from base64 import urlsafe_b64encode
from collections.abc import Iterable
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.hashes import SHA256

from smnb_app.system.secure_files import create_private_file, read_private_file


def b64url(data: bytes) -> str:
    """Base64url without padding, as JWS uses it."""
    return urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class SigningKey:
    """An RSA private key and the key id (`kid`) its tokens carry.

    Attributes:
        private_key: The RSA private key.
        kid: The key id; by default the RFC 7638 thumbprint, stable across restarts.
    """

    private_key: rsa.RSAPrivateKey
    kid: str

    @classmethod
    def generate(cls, *, kid: str | None = None, key_size: int = 2048) -> SigningKey:
        """Generate a new key.

        Args:
            kid: The key id; defaults to the key's thumbprint.
            key_size: RSA modulus size in bits.
        """
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
        return cls(private_key, kid or _thumbprint(private_key.public_key()))

    @classmethod
    def from_pem(cls, pem: bytes, *, kid: str | None = None) -> SigningKey:
        """Load an unencrypted PEM RSA private key.

        Raises:
            ValueError: The PEM is not an RSA private key.
        """
        private_key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise ValueError("the PEM holds no RSA private key")
        return cls(private_key, kid or _thumbprint(private_key.public_key()))

    @classmethod
    def load_or_create(cls, path: str | os.PathLike[str], *, name: str = "the signing key") -> SigningKey:
        """Load the key at `path`, or create it there when missing (see `smnb_app.system.secure_files`).

        Creation is atomic: concurrent processes end up sharing one key.

        Args:
            path: The PEM file.
            name: What the key is called in messages (e.g. its environment variable).

        Raises:
            UnsafeFileError: The key or its directory is exposed (readable by others, owned by
                another user, a symlink); the message says what to fix.
        """
        target = Path(path)
        if not target.exists():
            # Losing a creation race is fine: the winner's key is loaded below.
            create_private_file(target, cls.generate().private_pem())
        return cls.from_pem(read_private_file(target, name=name))

    def private_pem(self) -> bytes:
        """The private key as unencrypted PKCS#8 PEM."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def public_pem(self) -> str:
        """The public key as PEM, usable as `VerifierConfig.jwt_key`."""
        pem = self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return pem.decode("ascii")

    def public_jwk(self) -> dict[str, str]:
        """The public key as a JWK for RS256 signatures."""
        numbers = self.private_key.public_key().public_numbers()
        members = _rsa_members(numbers)
        return {"kty": "RSA", "kid": self.kid, "use": "sig", "alg": "RS256", **members}

    def sign(self, signing_input: bytes) -> bytes:
        """An RS256 (PKCS#1 v1.5, SHA-256) signature of `signing_input`."""
        return self.private_key.sign(signing_input, PKCS1v15(), SHA256())


def jwks(keys: Iterable[SigningKey]) -> dict[str, list[dict[str, str]]]:
    """The JWKS document publishing the public halves of `keys`."""
    return {"keys": [key.public_jwk() for key in keys]}


def _rsa_members(numbers: rsa.RSAPublicNumbers) -> dict[str, str]:
    def encode(value: int) -> str:
        return b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))

    return {"n": encode(numbers.n), "e": encode(numbers.e)}


def _thumbprint(public_key: rsa.RSAPublicKey) -> str:
    members = _rsa_members(public_key.public_numbers())
    # RFC 7638: the required members only, in lexicographic order, without whitespace.
    required = {"e": members["e"], "kty": "RSA", "n": members["n"]}
    canonical = json.dumps(required, separators=(",", ":"))
    return b64url(sha256(canonical.encode()).digest())
