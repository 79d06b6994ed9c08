"""Issuing Clerk-shaped RS256 session tokens, as the embedded dev identity provider does.

A token carries the header `{alg: RS256, typ: JWT, kid, cat: cl_B7d4PD111AAA}` and the claims
`iss`, `sub` (`user_...`), `sid` (`sess_...`), `azp`, `iat`, `nbf = iat - 10`,
`exp = iat + lifetime`, `v: 2`, plus `name`, `email` and `picture` when given. `TokenVerifier`
accepts exactly these.
"""

from __future__ import annotations

import json
import secrets
import string
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from smnb_app.auth.jws import SESSION_CATEGORY
from smnb_app.providers.dev.signing import SigningKey, b64url, jwks

__all__ = [
    "NOT_BEFORE_BACKDATE_S",
    "SESSION_TOKEN_LIFETIME_S",
    "SigningKey",
    "TokenIssuer",
    "jwks",
    "new_session_id",
    "new_user_id",
    "sign_token",
]

SESSION_TOKEN_LIFETIME_S = 60
NOT_BEFORE_BACKDATE_S = 10
_ID_ALPHABET = string.ascii_letters + string.digits


def new_user_id() -> str:
    """A fresh Clerk-style user id: `user_` and 27 random letters and digits."""
    return "user_" + _random_suffix()


def new_session_id() -> str:
    """A fresh Clerk-style session id: `sess_` and 27 random letters and digits."""
    return "sess_" + _random_suffix()


def _random_suffix() -> str:
    return "".join(secrets.choice(_ID_ALPHABET) for _ in range(27))


def sign_token(header: Mapping[str, Any], payload: Mapping[str, Any], key: SigningKey) -> str:
    """Encode and RS256-sign a compact JWS, taking `header` as given (its `alg` is not checked).

    Args:
        header: The JOSE header.
        payload: The claims.
        key: The key that signs.

    Returns:
        The compact token `header.payload.signature`.
    """
    signing_input = f"{_segment(header)}.{_segment(payload)}"
    return f"{signing_input}.{b64url(key.sign(signing_input.encode('ascii')))}"


def _segment(value: Mapping[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


class TokenIssuer:
    """Signs session tokens for one issuer with one key."""

    def __init__(
        self,
        issuer: str,
        key: SigningKey,
        *,
        azp: str | None = None,
        lifetime_s: int = SESSION_TOKEN_LIFETIME_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Create an issuer.

        Args:
            issuer: The `iss` of every token (the issuer's base URL).
            key: The signing key; its `kid` goes into every header.
            azp: The default authorized party (the app's origin); omitted when None.
            lifetime_s: Seconds from `iat` to `exp`.
            clock: Returns the current time in epoch seconds.
        """
        self.issuer = issuer
        self.key = key
        self.azp = azp
        self.lifetime_s = lifetime_s
        self._clock = clock

    def issue(
        self,
        *,
        sub: str | None = None,
        sid: str | None = None,
        azp: str | None = None,
        name: str | None = None,
        email: str | None = None,
        picture: str | None = None,
        iat: int | None = None,
        lifetime_s: int | None = None,
        extra: Mapping[str, Any] | None = None,
        remove: Iterable[str] = (),
        header: Mapping[str, Any] | None = None,
        remove_header: Iterable[str] = (),
    ) -> str:
        """Sign a session token; the override knobs build deliberately malformed ones too.

        Args:
            sub: The user id; a fresh `user_...` when None.
            sid: The session id; a fresh `sess_...` when None.
            azp: The authorized party; the issuer's default when None.
            name: Profile name claim, omitted when None.
            email: Profile email claim, omitted when None.
            picture: Profile picture URL claim, omitted when None.
            iat: Issued-at (epoch seconds); now when None.
            lifetime_s: Overrides the issuer's lifetime for this token.
            extra: Claims added last, replacing any computed claim of the same name.
            remove: Claims left out of the payload.
            header: Header members added or replaced.
            remove_header: Header members left out.

        Returns:
            The compact token.
        """
        issued_at = int(self._clock()) if iat is None else iat
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": sub or new_user_id(),
            "sid": sid or new_session_id(),
            "azp": azp or self.azp,
            "iat": issued_at,
            "nbf": issued_at - NOT_BEFORE_BACKDATE_S,
            "exp": issued_at + (self.lifetime_s if lifetime_s is None else lifetime_s),
            "v": 2,
            "name": name,
            "email": email,
            "picture": picture,
        }
        claims = {claim: value for claim, value in claims.items() if value is not None}
        claims.update(extra or {})
        jose: dict[str, Any] = {
            "alg": "RS256",
            "typ": "JWT",
            "kid": self.key.kid,
            "cat": SESSION_CATEGORY,
            **(header or {}),
        }
        return sign_token(_without(jose, remove_header), _without(claims, remove), self.key)


def _without(values: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    dropped = set(names)
    return {name: value for name, value in values.items() if name not in dropped}
