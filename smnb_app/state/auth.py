"""AuthState: the seed's useAuth hook, decided on the server from verified session tokens."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import logging
import time

import reflex as rx

from smnb_app.auth import SessionClaims, TokenVerificationError
from smnb_app.services.users import AuthUser, upsert_user
from smnb_app.settings import get_settings
from smnb_app.state.runtime import get_verifier, resolve_identity, run_db
from smnb_app.state.sessions_sync import link_user

logger = logging.getLogger(__name__)

PROTECTED_PATHS = ("/dashboard", "/sessions")
SIGN_IN_PATH = "/sign-in"
DEFAULT_AFTER_SIGN_IN = "/dashboard"
_REJECTED = "Your sign-in could not be verified ({reason}). Please sign in again."
_KEYS_UNAVAILABLE = "The sign-in service's keys could not be loaded ({reason}). Try again in a moment."


@dataclasses.dataclass(frozen=True)
class ClerkUser:
    """The identity provider's view of the user, shaped like Clerk's `useUser()`."""

    id: str = ""
    full_name: str = ""
    primary_email_address: str = ""
    image_url: str = ""


def rejection_message(reason: str) -> str:
    """The user-facing text for a verifier rejection reason.

    Args:
        reason: A `TokenVerificationError.reason`.

    Returns:
        A sentence that names the reason but never the token.
    """
    template = _KEYS_UNAVAILABLE if reason.startswith("jwk-remote") else _REJECTED
    return template.format(reason=reason)


def safe_next_path(raw: str | None) -> str:
    """The local path to return to after sign-in; anything else goes to the dashboard.

    Args:
        raw: The `next` query parameter as the browser sent it.

    Returns:
        A path on this site (never another origin).
    """
    if not raw or not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return DEFAULT_AFTER_SIGN_IN
    if raw.split("?")[0] == SIGN_IN_PATH:
        return DEFAULT_AFTER_SIGN_IN
    return raw


class AuthState(rx.State):
    """Who the tab's user is, as verified by the server.

    The token, its claims and the user id are backend-only vars: the browser can only change
    them by sending a token that passes verification.
    """

    is_loading: bool = True
    is_authenticated: bool = False
    user: AuthUser | None = None
    clerk_user: ClerkUser | None = None
    auth_error: str = ""
    sign_in_pending: bool = False

    _token_digest: str = ""
    _claims: dict = {}
    _user_id: int = 0
    _expires_at: float = 0.0
    _generation: int = 0

    def _drop(self) -> None:
        self.is_authenticated = False
        self.user = None
        self.clerk_user = None
        self._token_digest = ""
        self._claims = {}
        self._user_id = 0
        self._expires_at = 0.0
        self._generation += 1

    def _is_current(self) -> bool:
        return self.is_authenticated and time.time() < self._expires_at + get_settings().clock_skew_s

    def verified_user_id(self) -> int | None:
        """The verified user's id, or None once the session is gone or its token expired.

        Every handler that touches user data takes the user from here, never from an argument.

        Returns:
            The `users.id` of the signed-in user, or None.
        """
        if self._is_current():
            return self._user_id
        if self.is_authenticated:
            self._drop()
        return None

    def _on_protected_page(self) -> bool:
        return self.router.url.path.rstrip("/") in PROTECTED_PATHS

    def _to_sign_in(self) -> rx.event.EventSpec:
        url = self.router.url
        target = url.path + (f"?{url.query}" if url.query else "")
        return rx.redirect(f"{SIGN_IN_PATH}?next={target}")

    @rx.event
    async def set_session_token(self, token: str):
        """Receive the token bridge's latest session token ("" when signed out).

        Args:
            token: The raw session JWT from the identity provider.
        """
        token = token if isinstance(token, str) else ""
        digest = hashlib.sha256(token.encode()).hexdigest() if token else ""
        if digest and digest == self._token_digest and self._is_current():
            return None
        if not token:
            self._drop()
            self.is_loading = False
            self.sign_in_pending = False
            return self._to_sign_in() if self._on_protected_page() else None
        try:
            claims = await get_verifier().verify(token)
        except TokenVerificationError as exc:
            logger.info("session token rejected: %s", exc.reason)
            self._drop()
            self.auth_error = rejection_message(exc.reason)
            self.is_loading = False
            self.sign_in_pending = False
            return None
        return await self._accept(claims, digest)

    async def _accept(self, claims: SessionClaims, digest: str):
        identity = await resolve_identity(claims)
        try:
            user = await run_db(lambda db: upsert_user(db=db, identity=identity))
        except Exception:
            logger.exception("could not record the signed-in user")
            self._drop()
            self.auth_error = "Your account could not be loaded. Try again in a moment."
            self.is_loading = False
            return None
        first = not self.is_authenticated
        self.is_authenticated = True
        self.user = user
        self.clerk_user = ClerkUser(
            id=claims.sub,
            full_name=user.name,
            primary_email_address=user.email or "",
            image_url=user.avatar_url or "",
        )
        self.auth_error = ""
        self.is_loading = False
        self.sign_in_pending = False
        self._token_digest = digest
        self._claims = dict(claims.payload)
        self._user_id = user.id
        self._expires_at = float(claims.exp)
        self._generation += 1
        await link_user(self, user.id, fresh=first)
        events = [AuthState.expire_session(self._generation)]
        if first and self.router.url.path.rstrip("/") == SIGN_IN_PATH:
            events.append(rx.redirect(safe_next_path(self.router.url.query_parameters.get("next"))))
        return events

    @rx.event(background=True)
    async def expire_session(self, generation: int):
        """Drop the session when no fresh token arrived before the current one expired.

        A stale or stolen tab does not stay signed in: the server decides, not the browser.

        Args:
            generation: The sign-in generation this watcher guards; a newer token ends it.
        """
        async with self:
            deadline = self._expires_at + get_settings().clock_skew_s
        await asyncio.sleep(max(0.0, deadline - time.time()) + 0.05)
        async with self:
            if generation != self._generation or not self.is_authenticated:
                return None
            if time.time() < self._expires_at + get_settings().clock_skew_s:
                return None
            logger.info("session token expired without a refresh; signing the tab out")
            self._drop()
            return self._to_sign_in() if self._on_protected_page() else None

    @rx.event
    def check_access(self):
        """On loading a page: drop an expired session and send signed-out users to sign in."""
        self.verified_user_id()
        if self._on_protected_page() and not self.is_loading and not self.is_authenticated:
            return self._to_sign_in()
        return None

    @rx.event
    def sign_out(self):
        """Sign this browser out: the server forgets the session, the provider revokes it."""
        self._drop()
        self.is_loading = False
        return [
            rx.call_script("window.smnbAuth && window.smnbAuth.signOut()"),
            rx.redirect(SIGN_IN_PATH),
        ]

    @rx.event
    def start_dev_sign_in(self, form_data: dict):
        """Sign in with the embedded dev provider: the browser asks the provider for a session.

        Args:
            form_data: The sign-in form's `email` and `name`.
        """
        email = str(form_data.get("email", "")).strip()
        name = str(form_data.get("name", "")).strip()
        if "@" not in email:
            self.auth_error = "Enter a valid email address."
            return None
        self.auth_error = ""
        self.sign_in_pending = True
        script = f"window.smnbAuth.signIn({json.dumps(email)}, {json.dumps(name)})"
        return rx.call_script(script, callback=AuthState.finish_dev_sign_in)

    @rx.event
    def finish_dev_sign_in(self, error: str):
        """Show the provider's answer to a sign-in; success continues in `set_session_token`.

        Args:
            error: The provider's error message, or "" on success.
        """
        if error:
            self.auth_error = str(error)
            self.sign_in_pending = False
