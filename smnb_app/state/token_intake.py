"""Taking a session token in: a mixin of `AuthState`.

Verification, the user's upsert, the registry edit and the revocation re-check run outside the
tab's state lock (a background event): with several workers on one database, holding the lock
through them made other events of the tab wait, and a lock held past Reflex's expiry lost the
sign-in. The browser's event itself only stamps the token, in the order the tab sent its events
(background events skip Reflex's per-tab ordering); the lock is taken again only to apply what
was decided, and only if no newer token or sign-out came meanwhile.
"""

from __future__ import annotations

import dataclasses

import reflex as rx

from smnb_app.auth import SessionClaims, TokenVerificationError
from smnb_app.db.availability import DatabaseUnavailable
from smnb_app.services.audit import AuditEvent
from smnb_app.services.revocations import is_revoked
from smnb_app.services.sign_ins import sign_in
from smnb_app.services.users import Identity
from smnb_app.state.audit import audit_event
from smnb_app.state.auth_rules import token_digest
from smnb_app.state.failures import report_failure
from smnb_app.state.runtime import get_verifier, resolve_identity, run_db
from smnb_app.state.sessions.registry import TabLink, enroll
from smnb_app.state.sessions.sync import link_tab, read_tally, take_tally


@dataclasses.dataclass(frozen=True)
class _Intake:
    """A token being taken in: its turn, its fingerprint, and the tab as it was then."""

    turn: int
    digest: str
    sid: str | None
    audit: AuditEvent


class TokenIntake(rx.State, mixin=True):
    """The token bridge's event, and the steps of a sign-in around the tab's lock.

    `_intake_turn` counts the tokens the tab sent and its sign-outs: a token applies only while
    its turn is the latest, so one that finishes after a newer token or a sign-out changes
    nothing.
    """

    _intake_turn: int = 0
    _intake_digest: str = ""

    @rx.event
    def set_session_token(self, token: str):
        """Receive the token bridge's latest session token ("" when signed out).

        Runs in the order the tab sent its events, and only stamps the token: the work is done
        by `take_in_token`, outside the lock.

        Args:
            token: The raw session JWT from the identity provider; anything else is refused.
        """
        if token == "":
            return self._signed_out()
        digest = token_digest(token)
        if not (digest and digest == self._token_digest and self._is_current()):
            self._intake_turn, self._intake_digest = self._intake_turn + 1, digest
        return type(self).take_in_token(token)

    @rx.event(background=True)
    async def take_in_token(self, token: str):
        """Verify a token the tab sent, record its user and show them (chained by the server only).

        Verification, the user's upsert, the registry edit and the revocation re-check run
        outside the tab's lock, so a slow sign-in holds up no other event of the tab.

        Args:
            token: The token `set_session_token` stamped.
        """
        digest = token_digest(token)
        if digest and digest == self._token_digest and self._is_current():
            # Sent again on a new connection or focus: the tab may have missed a change meanwhile.
            await self._catch_up(self._user_id)
            return
        if digest != self._intake_digest:
            return
        intake = _Intake(turn=self._intake_turn, digest=digest, sid=self._claims.get("sid"),
                         audit=audit_event(self, "sign_in"))
        try:
            claims = await get_verifier().verify(token)
        except TokenVerificationError as exc:
            async with self:
                if self._is_latest(intake):
                    self._reject(exc.reason)
            return
        identity = await resolve_identity(claims)
        admitted = await self._admit(claims, identity, intake)
        if admitted is not None:
            link, user_id, events = admitted
            yield events
            await self._settle(link, user_id, claims, identity, intake)

    def _is_latest(self, intake: _Intake) -> bool:
        """Under the lock: whether no newer token (nor a sign-out) came after this one."""
        return self._intake_turn == intake.turn

    async def _catch_up(self, user_id: int) -> None:
        reading = await read_tally(user_id)
        async with self:
            if self._verified_user_id() == user_id:
                await take_tally(self, user_id, reading)

    async def _admit(self, claims: SessionClaims, identity: Identity,
                     intake: _Intake) -> tuple[TabLink, int, list[rx.event.EventSpec]] | None:
        """Record the sign-in, then show the user in the tab.

        Returns:
            Where the tab registers, the user's id and the events that follow; None when the
            token changed nothing (refused, or overtaken).
        """
        fresh = dataclasses.replace(intake.audit, sid=claims.sid) if intake.sid != claims.sid else None
        try:
            # Ended sessions and deleted users verify until their tokens expire: refused here.
            user = await run_db(lambda db: sign_in(db=db, identity=identity, sid=claims.sid, event=fresh))
        except Exception as exc:
            async with self:
                if self._is_latest(intake):
                    self._not_recorded(claims, intake.digest, exc)
            return None
        async with self:
            if not self._is_latest(intake):
                return None
            if user is None:
                self._reject_ended()
                return None
            fresh_tab = not self.is_authenticated
            events = self._sign_in_as(user, claims, intake.digest)
            link = await link_tab(self, user.id, fresh=fresh_tab)
        return link, user.id, events

    def _not_recorded(self, claims: SessionClaims, digest: str, exc: Exception) -> None:
        if isinstance(exc, DatabaseUnavailable) and self._renews(claims):
            # A fresh token of the session this tab already holds: the tab stays signed in
            # through the outage; its record is refreshed with the next token.
            report_failure("could not refresh the signed-in user", exc)
            self._claims, self._token_digest, self._expires_at = dict(claims.payload), digest, float(claims.exp)
            return
        self._end(report_failure("could not record the signed-in user", exc,
                                 "Your account could not be loaded. Try again in a moment."))

    async def _settle(self, link: TabLink, user_id: int, claims: SessionClaims, identity: Identity,
                      intake: _Intake) -> None:
        """Once the tab shows its user: register it, ask about revocation once more, catch up."""
        await enroll(link)
        # A session ended while this tab was not yet registered was announced to the tabs that
        # were: now registered, this one asks once more.
        try:
            revoked = await run_db(lambda db: is_revoked(db=db, sid=claims.sid,
                                                         token_identifier=identity.token_identifier))
        except Exception as exc:
            # The next token asks again.
            report_failure("could not re-check the session's revocation", exc)
            revoked = False
        reading = None if revoked else await read_tally(user_id)
        async with self:
            if not self._is_latest(intake) or self._user_id != user_id:
                return
            if revoked:
                self._reject_ended()
                return
            await take_tally(self, user_id, reading)
