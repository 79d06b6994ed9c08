"""The user's own account actions on the dashboard: sign out everywhere, download my data, delete my account.

Each takes the user from the verified state. Signing out everywhere revokes every session of the
user at the identity provider (the dev provider's store, or Clerk's Backend API), records them
as revoked so their remaining tokens are refused, and signs out every tab of the user on every
worker. Deleting the account does the same after deleting the user's sessions and row (and, in
Clerk mode, the Clerk user).
"""

from __future__ import annotations

import asyncio
import json
import logging

import reflex as rx

from smnb_app.providers.clerk.api import ClerkApiError, ClerkBackendApi
from smnb_app.services.accounts import delete_account, export_account
from smnb_app.services.revocations import revoke
from smnb_app.settings import get_settings
from smnb_app.state.audit import audit_event, record_later
from smnb_app.state.auth import AuthState
from smnb_app.state.runtime import get_clerk_api, get_dev_provider, run_db
from smnb_app.state.sessions_sync import user_scoped
from smnb_app.state.tab_news import end_sessions_in_tabs

logger = logging.getLogger(__name__)

SIGNED_OUT_EVERYWHERE = "You signed out everywhere."
DELETED = "Your account was deleted."
NO_SECRET_KEY = "This needs the server's Clerk secret key (CLERK_SECRET_KEY), which is not set."
PROVIDER_FAILED = "The sign-in service could not be reached. Nothing was changed; try again in a moment."
EXPORT_NAME = "smnb-my-data.json"


def _clerk() -> ClerkBackendApi:
    api = get_clerk_api()
    if api is None:
        raise ClerkApiError(NO_SECRET_KEY)
    return api


@user_scoped
class AccountState(rx.State):
    """The dashboard's account panel of one tab."""

    confirming_delete: bool = False
    busy: str = ""
    error: str = ""

    async def _auth(self) -> tuple[AuthState, int] | None:
        auth = await self.get_state(AuthState)
        user_id = auth._verified_user_id()
        return None if user_id is None else (auth, user_id)

    async def _sign_out_everywhere(
        self, auth: AuthState, user_id: int, *, reason: str, message: str, deleted: bool = False
    ) -> None:
        """End every session of the user at the provider and here, and sign out all their tabs."""
        subject, sid = auth._claims.get("sub", ""), auth._claims.get("sid", "")
        clerk = get_settings().auth_provider == "clerk"
        if not clerk:
            ended = await asyncio.to_thread(get_dev_provider().revoke_user_sessions, user_id=subject)
        else:
            ended = [] if deleted else await _clerk().revoke_all_sessions(subject)
        ended = list(dict.fromkeys([*ended, sid]))
        # A deleted Clerk user never signs in again: all their tokens are refused, listed or not.
        users = [f"{auth._claims.get('iss', '').rstrip('/')}|{subject}"] if deleted and clerk else []
        await run_db(lambda db: revoke(db=db, sids=ended, token_identifiers=users, reason=reason))
        for ended_sid in ended:
            record_later(audit_event(self, "sign_out", user_id=None if deleted else user_id, sid=ended_sid,
                                     reason=reason))
        await end_sessions_in_tabs(user_id, sids=None, message=message, sender=self.router.session.client_token)
        auth._end(message)

    @rx.event
    async def sign_out_everywhere(self):
        """Sign the user out of every device and tab, this one included."""
        found = await self._auth()
        if found is None:
            return
        self.busy, self.error = "everywhere", ""
        yield
        try:
            await self._sign_out_everywhere(*found, reason="sign_out_everywhere", message=SIGNED_OUT_EVERYWHERE)
        except ClerkApiError as exc:
            logger.warning("could not sign a user out everywhere: %s", exc)
            self.error = str(exc) if str(exc) == NO_SECRET_KEY else PROVIDER_FAILED
        finally:
            self.busy = ""

    @rx.event
    def ask_delete(self):
        """Show the confirmation, which asks the user to type their email."""
        self.confirming_delete, self.error = True, ""

    @rx.event
    def cancel_delete(self):
        """Hide the confirmation; nothing is deleted."""
        self.confirming_delete = False

    @rx.event
    async def delete_account(self, form_data: dict):
        """Delete the user's account once they typed their email (their name when there is none).

        Args:
            form_data: The confirmation form; `confirm` holds what the user typed.
        """
        found = await self._auth()
        if found is None:
            return
        auth, user_id = found
        expected = (auth.user.email or auth.user.name) if auth.user else ""
        typed = form_data.get("confirm") if isinstance(form_data, dict) else None
        if not isinstance(typed, str) or typed.strip().casefold() != expected.casefold():
            self.error = f"Type {expected} exactly to confirm."
            return
        self.busy, self.error = "delete", ""
        yield
        try:
            if get_settings().auth_provider == "clerk":
                # Clerk ends the user's sessions with the user.
                await _clerk().delete_user(auth._claims.get("sub", ""))
            await run_db(lambda db: delete_account(db=db, user_id=user_id))
            record_later(audit_event(self, "account_deleted", sid=auth._claims.get("sid")))
            await self._sign_out_everywhere(auth, user_id, reason="account_deleted", message=DELETED, deleted=True)
        except ClerkApiError as exc:
            logger.warning("could not delete a user's account: %s", exc)
            self.error = str(exc) if str(exc) == NO_SECRET_KEY else PROVIDER_FAILED
            return
        finally:
            self.busy = ""
        self.confirming_delete = False
        yield rx.redirect("/")

    @rx.event
    async def download_my_data(self):
        """Download everything the app keeps about the user as one JSON file."""
        found = await self._auth()
        if found is None:
            return None
        document = await run_db(lambda db: export_account(db=db, user_id=found[1]))
        if document is None:
            self.error = "Your data could not be found."
            return None
        return rx.download(data=json.dumps(document, indent=2, ensure_ascii=False), filename=EXPORT_NAME,
                           mime_type="application/json")
