"""The embedded dev identity provider: a local, Clerk-compatible issuer of session tokens.

It keeps its RSA key and its sign-in sessions on disk (stdlib sqlite3), so tokens and sign-ins
survive a restart and every backend worker of one machine sees the same revocations.

Avatars (the tokens' `picture`) are drawn from the user id alone: a symmetric 5 x 5 pattern in
a colour, both from the id's SHA-256, the same for a given id on every machine. They no longer
show the initials of the name given at sign-in: reading the sign-in store to draw them answered
differently for users who had signed in than for anyone else, so the avatar URL told strangers
who had an account. Any well-formed id gets its avatar; a malformed one gets none.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smnb_app.providers.dev.issuer import TokenIssuer, new_session_id
from smnb_app.providers.dev.signing import SigningKey, jwks
from smnb_app.system.secure_files import ensure_private_file

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
# C0 (NUL included), DEL, C1 and lone surrogates: nothing a person types, and SQLite, PostgreSQL
# or UTF-8 refuse some of them much later than here.
_NOT_TEXT = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# `user_id_for_email`'s shape: 15 bytes of SHA-256 in lower-case base32, no padding.
_USER_ID = re.compile(r"user_[a-z2-7]{24}")
MAX_NAME_LENGTH = 100


class DevAuthError(Exception):
    """A sign-in, refresh or sign-out the provider refuses.

    Attributes:
        status: The HTTP status that describes it (400 bad input, 401 revoked or unknown session).
    """

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class IssuedToken:
    """A fresh session token and how long it lives."""

    token: str
    expires_in: int


@dataclass(frozen=True)
class DevSignIn:
    """The credential the browser keeps for a sign-in session, plus its first token."""

    session_id: str
    secret: str
    token: IssuedToken


def user_id_for_email(email: str) -> str:
    """A stable Clerk-shaped user id for an email address, so signing in again finds the same user.

    Args:
        email: The address; case is ignored.

    Returns:
        An id like `user_2q...`.
    """
    digest = hashlib.sha256(email.strip().lower().encode()).digest()[:15]
    return "user_" + base64.b32encode(digest).decode().lower()


def _plain_text(value: str, label: str) -> str:
    if _NOT_TEXT.search(value):
        raise DevAuthError(f"The {label} must not contain control characters or lone surrogates.", status=400)
    return value


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class DevIdentityProvider:
    """Signs users in, refreshes their session tokens and revokes them on sign-out."""

    def __init__(
        self,
        *,
        issuer: str,
        key_path: str | Path,
        store_path: str | Path,
        lifetime_s: int = 60,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Create the provider, making its key and session store on first use.

        Args:
            issuer: The provider's base URL, the `iss` of its tokens.
            key_path: Where the RSA private key is kept (created 0600 when missing).
            store_path: The sqlite3 file of sign-in sessions (created 0600 when missing).
            lifetime_s: Session token lifetime in seconds.
            clock: Returns the current time in epoch seconds.

        Raises:
            UnsafeFileError: The key or the store is exposed; the message says what to fix.
        """
        self.issuer = issuer.rstrip("/")
        self._key = SigningKey.load_or_create(key_path, name="SMNB_DEV_KEY_PATH")
        self._tokens = TokenIssuer(self.issuer, self._key, lifetime_s=lifetime_s, clock=clock)
        self._lifetime_s = lifetime_s
        self._clock = clock
        self._store_path = Path(store_path)
        # Created owner-only before SQLite opens it: it holds the sign-in sessions' secret hashes.
        ensure_private_file(self._store_path, name="the dev sign-in store")
        with self._store() as store:
            store.execute(
                "CREATE TABLE IF NOT EXISTS dev_sessions (session_id TEXT PRIMARY KEY,"
                " secret_hash TEXT NOT NULL, user_id TEXT NOT NULL, email TEXT NOT NULL,"
                " name TEXT NOT NULL, created_at REAL NOT NULL, revoked_at REAL)"
            )

    @contextmanager
    def _store(self) -> Iterator[sqlite3.Connection]:
        connection = sqlite3.connect(self._store_path, timeout=30)
        try:
            with connection:
                yield connection
        finally:
            connection.close()

    def jwks(self) -> dict[str, Any]:
        """The JWKS document with the provider's public key."""
        return jwks([self._key])

    def public_pem(self) -> str:
        """The provider's public key as PEM."""
        return self._key.public_pem()

    def sign_in(self, *, email: str, name: str = "", azp: str | None = None) -> DevSignIn:
        """Start a sign-in session for an email address (no password: this is a dev provider).

        Args:
            email: The user's email address.
            name: The display name; empty leaves it to the email's local part.
            azp: The origin of the page signing in.

        Returns:
            The session credential and its first token.

        Raises:
            DevAuthError: The email or name is not acceptable.
        """
        email = _plain_text(email, "email").strip()
        name = " ".join(_plain_text(name, "name").split())
        # Length first: the pattern backtracks quadratically on long runs of dots.
        if len(email) > 254 or not _EMAIL.match(email):
            raise DevAuthError("Enter a valid email address.", status=400)
        if len(name) > MAX_NAME_LENGTH:
            raise DevAuthError(f"The display name must be at most {MAX_NAME_LENGTH} characters.", status=400)
        session_id, secret = new_session_id(), secrets.token_urlsafe(32)
        with self._store() as store:
            store.execute(
                "INSERT INTO dev_sessions VALUES (?, ?, ?, ?, ?, ?, NULL)",
                (session_id, _hash_secret(secret), user_id_for_email(email), email, name, self._clock()),
            )
        return DevSignIn(session_id, secret, self.refresh(session_id=session_id, secret=secret, azp=azp))

    def refresh(self, *, session_id: str, secret: str, azp: str | None = None) -> IssuedToken:
        """Issue a fresh token for a live sign-in session.

        Args:
            session_id: The `sess_...` id from sign-in.
            secret: The credential's secret.
            azp: The origin of the page asking.

        Returns:
            A new session token.

        Raises:
            DevAuthError: The session is unknown, the secret wrong, or the session revoked (401);
                the id or secret holds a control character (400).
        """
        row = self._live_session(session_id, secret)
        user_id, email, name = row
        token = self._tokens.issue(
            sub=user_id,
            sid=session_id,
            azp=azp,
            name=name or None,
            email=email,
            picture=f"{self.issuer}/avatars/{user_id}.svg",
        )
        return IssuedToken(token, self._lifetime_s)

    def sign_out(self, *, session_id: str, secret: str) -> None:
        """Revoke a sign-in session: no more tokens are issued for it.

        Raises:
            DevAuthError: The session is unknown or the secret wrong (401); the id or secret
                holds a control character (400).
        """
        self._live_session(session_id, secret, allow_revoked=True)
        with self._store() as store:
            store.execute(
                "UPDATE dev_sessions SET revoked_at = ? WHERE session_id = ? AND revoked_at IS NULL",
                (self._clock(), session_id),
            )

    def revoke_user_sessions(self, *, user_id: str) -> list[str]:
        """Revoke every live sign-in session of a user ("sign out everywhere", account deletion).

        Args:
            user_id: The user's `sub` (`user_...`).

        Returns:
            The ids of the sessions revoked now.
        """
        with self._store() as store:
            live = [
                row[0]
                for row in store.execute(
                    "SELECT session_id FROM dev_sessions WHERE user_id = ? AND revoked_at IS NULL", (user_id,)
                )
            ]
            store.execute(
                "UPDATE dev_sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
                (self._clock(), user_id),
            )
        return live

    def _live_session(self, session_id: str, secret: str, *, allow_revoked: bool = False) -> tuple[str, str, str]:
        _plain_text(str(session_id), "session_id")
        _plain_text(str(secret), "secret")
        with self._store() as store:
            row = store.execute(
                "SELECT secret_hash, user_id, email, name, revoked_at FROM dev_sessions WHERE session_id = ?",
                (str(session_id),),
            ).fetchone()
        if row is None or not hmac.compare_digest(row[0], _hash_secret(str(secret))):
            raise DevAuthError("This sign-in session does not exist. Sign in again.", status=401)
        if row[4] is not None and not allow_revoked:
            raise DevAuthError("This sign-in session has ended. Sign in again.", status=401)
        return row[1], row[2], row[3]

    def avatar_svg(self, user_id: str) -> str | None:
        """The avatar of a user id of this provider, drawn from the id alone (see the module).

        Args:
            user_id: The `sub` of a token, as `user_id_for_email` makes it.

        Returns:
            An SVG document, the same for every caller; None when the id is not of that shape.
        """
        if not _USER_ID.fullmatch(user_id):
            return None
        digest = hashlib.sha256(user_id.encode("ascii")).digest()
        hue = int.from_bytes(digest[:2], "big") % 360
        cells = [
            f'<rect x="{8 + 16 * column}" y="{8 + 16 * row}" width="16" height="16"/>'
            for row in range(5)
            for half in range(3)
            if digest[2 + 3 * row + half] & 1
            for column in sorted({half, 4 - half})
        ]
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96" viewBox="0 0 96 96">'
            f'<rect width="96" height="96" fill="hsl({hue},45%,92%)"/>'
            f'<g fill="hsl({hue},55%,45%)">{"".join(cells)}</g></svg>'
        )
