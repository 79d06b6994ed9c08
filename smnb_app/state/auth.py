"""AuthState: the seed's useAuth hook, decided on the server from verified session tokens."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import secrets
import time

import reflex as rx

from smnb_app.auth import SessionClaims, TokenVerificationError
from smnb_app.net.next_path import SIGN_IN_PATH, SIGN_UP_PATH, safe_next_path
from smnb_app.services.audit import record_event
from smnb_app.services.users import AuthUser, upsert_user
from smnb_app.settings import get_settings
from smnb_app.state.audit import audit_event, first_in_a_while, record_later
from smnb_app.state.auth_rules import ClerkUser, is_protected, rejection_message, sign_in_url, token_digest
from smnb_app.state.runtime import get_verifier, resolve_identity, run_db
from smnb_app.state.sessions_sync import link_user

logger = logging.getLogger(__name__)

# How long past its expected wake-up a sleeping expiry watcher keeps its claim on the tab.
WATCH_LEASE_MARGIN_S = 5.0
# The provider's refusals are one short sentence; a forged event gets no bigger stage.
MAX_ERROR_LENGTH = 200


class AuthState(rx.State):
    """Who the tab's user is, as verified by the server.

    The token's fingerprint, its claims and the user id are backend-only vars: the browser can
    only change them by sending a token that passes verification.
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
    _watcher: str = ""
    _watch_until: float = 0.0

    def _drop(self) -> None:
        self.is_authenticated = False
        self.user = None
        self.clerk_user = None
        self._token_digest = ""
        self._claims = {}
        self._user_id = 0
        self._expires_at = 0.0

    def _deadline(self) -> float:
        return self._expires_at + get_settings().clock_skew_s

    def _is_current(self) -> bool:
        return self.is_authenticated and time.time() < self._deadline()

    def _verified_user_id(self) -> int | None:
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

    def _sign_in_redirect(self) -> rx.event.EventSpec | None:
        url = self.router.url
        return rx.redirect(sign_in_url(url.path, url.query)) if is_protected(url.path) else None

    def _signed_out(self) -> rx.event.EventSpec | None:
        if self.is_authenticated:
            record_later(audit_event(self, "sign_out", user_id=self._user_id, sid=self._claims.get("sid")))
        self._drop()
        self.is_loading = False
        self.sign_in_pending = False
        return self._sign_in_redirect()

    @rx.event
    async def set_session_token(self, token: str):
        """Receive the token bridge's latest session token ("" when signed out).

        Args:
            token: The raw session JWT from the identity provider; anything else is refused.
        """
        if token == "":
            return self._signed_out()
        digest = token_digest(token)
        if digest and digest == self._token_digest and self._is_current():
            return None
        try:
            claims = await get_verifier().verify(token)
        except TokenVerificationError as exc:
            self._reject(exc.reason)
            return None
        return await self._accept(claims, digest)

    def _reject(self, reason: str) -> None:
        if first_in_a_while(self, "token_rejected"):
            logger.info("session token rejected: %s", reason)
            record_later(audit_event(self, "token_rejected", user_id=self._user_id or None, reason=reason))
        self._drop()
        self.auth_error = rejection_message(reason)
        self.is_loading = False
        self.sign_in_pending = False

    async def _accept(self, claims: SessionClaims, digest: str):
        identity = await resolve_identity(claims)
        sign_in = audit_event(self, "sign_in", sid=claims.sid) if self._claims.get("sid") != claims.sid else None

        def write(db) -> AuthUser:
            user = upsert_user(db=db, identity=identity)
            if sign_in is not None:
                record_event(db=db, event=dataclasses.replace(sign_in, user_id=user.id))
            return user

        try:
            user = await run_db(write)
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
        await link_user(self, user.id, fresh=first)
        events = [AuthState.expire_session]
        if first and self._on_sign_in_page():
            events.append(self._to_next())
        return events

    def _on_sign_in_page(self) -> bool:
        return self.router.url.path.rstrip("/") in (SIGN_IN_PATH, SIGN_UP_PATH)

    def _to_next(self) -> rx.event.EventSpec:
        return rx.redirect(safe_next_path(self.router.url.query_parameters.get("next")))

    @rx.event(background=True)
    async def expire_session(self):
        """Sign the tab out when no fresh token arrived before the current one expired.

        A stale or stolen tab does not stay signed in: the server decides, not the browser.
        One watcher per tab follows every refresh; starting another (the browser may try)
        returns at once while the first one holds its lease.
        """
        me = secrets.token_hex(8)
        while True:
            async with self:
                now = time.time()
                if self._watcher != me and self._watch_until > now:
                    return None
                if not self.is_authenticated:
                    self._watcher, self._watch_until = "", 0.0
                    return None
                if now >= self._deadline():
                    self._watcher, self._watch_until = "", 0.0
                    return self._expired()
                wake_at = self._deadline()
                self._watcher, self._watch_until = me, wake_at + WATCH_LEASE_MARGIN_S
            await asyncio.sleep(max(0.0, wake_at - time.time()) + 0.05)

    def _expired(self) -> rx.event.EventSpec | None:
        logger.info("session token expired without a refresh; signing the tab out")
        record_later(audit_event(self, "session_expired", user_id=self._user_id, sid=self._claims.get("sid")))
        self._drop()
        return self._sign_in_redirect()

    @rx.event
    def check_access(self):
        """On loading a page: drop an expired session and send each user where they belong.

        Signed-out users on a protected page go to sign in; signed-in users on a sign-in page go
        on to where they were going (`next`).
        """
        if self._verified_user_id() is not None and self._on_sign_in_page():
            return self._to_next()
        if not self.is_loading and not self.is_authenticated:
            return self._sign_in_redirect()
        return None

    @rx.event
    def sign_out(self):
        """Sign this tab out on the server (the button also signs the browser out of the provider)."""
        self._signed_out()
        return rx.redirect(SIGN_IN_PATH)

    @rx.event
    def dev_sign_in_started(self):
        """The dev sign-in form was sent to the provider: show the button busy."""
        self.auth_error = ""
        self.sign_in_pending = True

    @rx.event
    def dev_sign_in_failed(self, error: str):
        """Show the dev provider's refusal of a sign-in; success continues in `set_session_token`.

        Args:
            error: The provider's message.
        """
        shown = error[:MAX_ERROR_LENGTH] if isinstance(error, str) and error else ""
        self.auth_error = shown or "Sign-in failed. Try again."
        self.sign_in_pending = False
