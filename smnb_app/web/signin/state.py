"""AuthState: the seed's useAuth hook, decided on the server from verified session tokens."""

from __future__ import annotations

import logging
import time

import reflex as rx
from reflex.event import EventType

from smnb_app.auth import SessionClaims, TokenVerificationError
from smnb_app.config.settings import get_settings
from smnb_app.db.availability import DatabaseUnavailable
from smnb_app.services.identity.revocations import ENDED_MESSAGE, is_revoked
from smnb_app.services.identity.sign_ins import sign_in
from smnb_app.services.identity.users import AuthUser
from smnb_app.web.live.link import catch_up, link_user
from smnb_app.web.shared.audit import audit_event, first_in_a_while, record_later, tab_tag
from smnb_app.web.shared.failures import report_failure
from smnb_app.web.shared.runtime import get_verifier, resolve_identity, run_db
from smnb_app.web.signin.expiry import ExpiryWatch
from smnb_app.web.signin.redirects import AuthPages
from smnb_app.web.signin.rules import ClerkUser, rejection_message, token_digest

logger = logging.getLogger(__name__)


class AuthState(AuthPages, ExpiryWatch, rx.State):
    """Who the tab's user is, as verified by the server.

    The token's fingerprint, its claims and the user id are backend-only vars: the browser can
    only change them by sending a token that passes verification.
    """

    is_loading: bool = True
    is_authenticated: bool = False
    # Declared as fields so that `AuthState.user.name` is typed as a Var of the user's fields.
    user: rx.Field[AuthUser | None] = rx.field(None)
    clerk_user: rx.Field[ClerkUser | None] = rx.field(None)
    auth_error: str = ""

    _token_digest: str = ""
    _claims: dict = {}
    _user_id: int = 0
    _expires_at: float = 0.0

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

    def _signed_out(self) -> rx.event.EventSpec | None:
        if self.is_authenticated:
            record_later(audit_event(self, "sign_out", user_id=self._user_id, sid=self._claims.get("sid")))
        self._drop()
        self.is_loading = False
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
            # Sent again on a new connection or focus: the tab may have missed a change meanwhile.
            await catch_up(self, self._user_id)
            return None
        try:
            claims = await get_verifier().verify(token)
        except TokenVerificationError as exc:
            self._reject(exc.reason)
            return None
        return await self._accept(claims, digest)

    def _renews(self, claims: SessionClaims) -> bool:
        """Whether a token renews the session this tab is signed in with (same user, same sid)."""
        return (
            self.is_authenticated
            and self._is_current()
            and self._claims.get("sid") == claims.sid
            and self._claims.get("sub") == claims.sub
        )

    def _reject(self, reason: str) -> None:
        if first_in_a_while(self, "token_rejected"):
            logger.info("session token rejected: %s", reason)
            record_later(audit_event(self, "token_rejected", user_id=self._user_id or None, reason=reason))
        self._end(rejection_message(reason))

    def _reject_ended(self) -> None:
        if first_in_a_while(self, "token_rejected"):
            record_later(audit_event(self, "token_rejected", user_id=self._user_id or None, reason="session-ended"))
        self._end(ENDED_MESSAGE)

    def _end(self, message: str) -> None:
        """Sign the tab out, saying why (a refused token, a session ended elsewhere)."""
        self._drop()
        self.auth_error = message
        self.is_loading = False

    def _show(self, user: AuthUser) -> None:
        """Show the signed-in user's profile as stored now."""
        self.user = user
        self.clerk_user = ClerkUser(
            id=self._claims.get("sub", ""),
            full_name=user.name,
            primary_email_address=user.email or "",
            image_url=user.avatar_url or "",
        )

    async def _accept(self, claims: SessionClaims, digest: str):
        identity = await resolve_identity(claims)
        fresh = audit_event(self, "sign_in", sid=claims.sid) if self._claims.get("sid") != claims.sid else None
        try:
            # Ended sessions and deleted users verify until their tokens expire: refused here.
            user = await run_db(lambda db: sign_in(db=db, identity=identity, sid=claims.sid, event=fresh))
        except Exception as exc:
            if isinstance(exc, DatabaseUnavailable) and self._renews(claims):
                # A fresh token of the session this tab already holds: the tab stays signed in
                # through the outage; its record is refreshed with the next token.
                report_failure("could not refresh the signed-in user", exc)
                self._claims, self._token_digest, self._expires_at = dict(claims.payload), digest, float(claims.exp)
                return None
            self._end(
                report_failure(
                    "could not record the signed-in user",
                    exc,
                    "Your account could not be loaded. Try again in a moment.",
                )
            )
            return None
        if user is None:
            self._reject_ended()
            return None
        first = not self.is_authenticated
        if first:
            logger.info("tab %s signed in as user %d", tab_tag(self.router.session.client_token), user.id)
        self.is_authenticated = True
        self._claims = dict(claims.payload)
        self._show(user)
        self.auth_error = ""
        self.is_loading = False
        self._token_digest = digest
        self._user_id = user.id
        self._expires_at = float(claims.exp)
        await link_user(self, user.id, fresh=first)
        # A session ended while this tab was not yet registered was announced to the tabs that
        # were: now registered, this one asks once more.
        if await run_db(
            lambda db: is_revoked(db=db, sid=claims.sid, token_identifier=identity.token_identifier), read_only=True
        ):
            self._reject_ended()
            return None
        await catch_up(self, user.id)
        events: list[EventType[()]] = [AuthState.expire_session]
        if first and self._on_sign_in_page():
            events.append(self._to_next())
        return events
