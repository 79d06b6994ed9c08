"""The user's own account actions on the dashboard: sign out everywhere, download my data, delete my account.

Each takes the user from the verified state. Signing out everywhere ends every session of the
user at the identity provider (the dev provider's store, or Clerk's Backend API), records them
as revoked so their remaining tokens are refused, and signs out every tab of the user on every
worker.

Deleting the account with a provider that keeps no accounts (the dev provider) ends its sessions
there, then refuses their tokens and deletes the user's data in one transaction. Where accounts
live at the provider (Clerk), the user cannot sign in again once Clerk has deleted them, so a
failure after that call must not ask them to retry: the deletion is recorded first (a tombstone
refusing every token of theirs), then Clerk deletes the user, then the data here is deleted.
What fails after the tombstone is finished in the background (`DeletionFinisher`, then hourly
housekeeping, after a restart too), and the user reads which part is done and which follows.

The two run as background events: they wait for every other tab of the user, and a tab that held
its own state lock meanwhile could deadlock with another tab doing the same.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import reflex as rx

from smnb_app.auth import token_identifier
from smnb_app.providers.clerk.api import ClerkApiError
from smnb_app.providers.clerk.clerk_provider import MissingSecretKey
from smnb_app.services.identity.accounts import delete_account, export_account
from smnb_app.services.identity.revocations import revoke
from smnb_app.web.account.deletion import (
    DELETED,
    FINISHER,
    NO_SECRET_KEY,
    UNEXPECTED,
    DeletionOutcome,
    delete_clerk_account,
)
from smnb_app.web.live.link import user_scoped
from smnb_app.web.shared.audit import audit_event, record_later
from smnb_app.web.shared.failures import report_failure
from smnb_app.web.shared.runtime import get_clerk_api, get_provider, run_db
from smnb_app.web.signin.state import AuthState
from smnb_app.web.signin.tab_news import end_sessions_in_tabs

logger = logging.getLogger(__name__)

SIGNED_OUT_EVERYWHERE = "You signed out everywhere."
UNREACHABLE = "The sign-in service could not be reached. Try again in a moment."
EXPORT_NAME = "smnb-my-data.json"


@dataclass(frozen=True)
class Acting:
    """Who acts, read from the verified state under the tab's lock."""

    user_id: int
    subject: str
    sid: str
    token_identifier: str
    confirmation: str
    client: str


def _failure(exc: ClerkApiError) -> str:
    return NO_SECRET_KEY if isinstance(exc, MissingSecretKey) else UNREACHABLE


@user_scoped
class AccountState(rx.State):
    """The dashboard's account panel of one tab."""

    confirming_delete: bool = False
    busy: str = ""
    error: str = ""

    async def _acting(self) -> Acting | None:
        auth = await self.get_state(AuthState)
        user_id = auth._verified_user_id()
        if user_id is None or auth.user is None:
            return None
        claims = auth._claims
        return Acting(
            user_id=user_id,
            subject=claims.get("sub", ""),
            sid=claims.get("sid", ""),
            token_identifier=token_identifier(claims.get("iss", ""), claims.get("sub", "")),
            confirmation=auth.user.email or auth.user.name,
            client=self.router.session.client_token,
        )

    async def _begin(self, busy: str) -> Acting | None:
        acting = await self._acting()
        if acting is not None and not self.busy:
            self.busy, self.error = busy, ""
            return acting
        return None

    async def _finish(self, error: str, message: str) -> None:
        """Under the tab's lock: show the error, or sign this tab out with `message`."""
        self.busy = ""
        if error:
            self.error = error
            return
        self.confirming_delete = False
        (await self.get_state(AuthState))._end(message)

    @rx.event(background=True)
    async def sign_out_everywhere(self):
        """Sign the user out of every device and tab, this one included."""
        async with self:
            acting = await self._begin("everywhere")
        if acting is None:
            return
        error = ""
        try:
            ended = list(dict.fromkeys([*await get_provider().end_user_sessions(subject=acting.subject), acting.sid]))
            await run_db(lambda db: revoke(db=db, sids=ended, reason="sign_out_everywhere"))
            for sid in ended:
                record_later(audit_event(self, "sign_out", user_id=acting.user_id, sid=sid, reason="everywhere"))
            await end_sessions_in_tabs(acting.user_id, sids=None, message=SIGNED_OUT_EVERYWHERE, sender=acting.client)
        except ClerkApiError as exc:
            # Some sessions may have ended at Clerk: it mints no more tokens for them either way.
            logger.warning("could not sign a user out everywhere: %s", exc)
            error = _failure(exc)
        except Exception as exc:
            error = report_failure("could not sign a user out everywhere", exc, UNEXPECTED)
        finally:
            async with self:
                await self._finish(error, SIGNED_OUT_EVERYWHERE)

    @rx.event
    def ask_delete(self):
        """Show the confirmation, which asks the user to type their email."""
        self.confirming_delete, self.error = True, ""

    @rx.event
    def cancel_delete(self):
        """Hide the confirmation; nothing is deleted."""
        self.confirming_delete = False

    @rx.event(background=True)
    async def delete_account(self, form_data: dict):
        """Delete the user's account once they typed their email (their name when there is none).

        Args:
            form_data: The confirmation form; `confirm` holds what the user typed.
        """
        typed = form_data.get("confirm") if isinstance(form_data, dict) else None
        async with self:
            acting = await self._acting()
            if acting is None:
                return
            if not isinstance(typed, str) or typed.strip().casefold() != acting.confirmation.casefold():
                self.error = f"Type {acting.confirmation} exactly to confirm."
                return
            if await self._begin("delete") is None:
                return
        outcome = DeletionOutcome(error=UNEXPECTED)
        try:
            outcome = await self._delete(acting)
        except Exception as exc:
            outcome = DeletionOutcome(error=report_failure("could not delete a user's account", exc, UNEXPECTED))
        finally:
            async with self:
                await self._finish(outcome.error, outcome.message)
        if not outcome.error:
            yield rx.redirect("/")

    async def _delete(self, acting: Acting) -> DeletionOutcome:
        if get_provider().remote_accounts:
            outcome = await delete_clerk_account(
                token_identifier=acting.token_identifier,
                subject=acting.subject,
                sid=acting.sid,
                api=get_clerk_api(),
                run=run_db,
            )
            if outcome.error:
                return outcome
        else:
            # The dev provider first: it mints no more tokens for these sessions. A new sign-in
            # may start afresh, so nothing is lost if the database step then fails.
            ended = await get_provider().end_user_sessions(subject=acting.subject)
            await run_db(lambda db: delete_account(db=db, user_id=acting.user_id, ended_sids=[*ended, acting.sid]))
            outcome = DeletionOutcome(message=DELETED)
        if not outcome.finished:
            FINISHER.start()
        record_later(audit_event(self, "account_deleted", sid=acting.sid))
        try:
            await end_sessions_in_tabs(acting.user_id, sids=None, message=outcome.message, sender=acting.client)
        except Exception:
            # The deletion stands: the other tabs' next tokens are refused within a minute.
            logger.exception("could not sign out the other tabs of a deleted user")
        return outcome

    @rx.event
    async def download_my_data(self):
        """Download everything the app keeps about the user as one JSON file."""
        acting = await self._acting()
        if acting is None:
            return None
        document = await run_db(lambda db: export_account(db=db, user_id=acting.user_id), read_only=True)
        if document is None:
            self.error = "Your data could not be found."
            return None
        return rx.download(
            data=json.dumps(document, indent=2, ensure_ascii=False), filename=EXPORT_NAME, mime_type="application/json"
        )
