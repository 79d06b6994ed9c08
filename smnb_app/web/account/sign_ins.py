"""The dashboard's recent sign-ins: when, with which browser, from which address. Only the user's."""

from __future__ import annotations

import reflex as rx

from smnb_app.services.audit import SignInView, recent_sign_ins
from smnb_app.web.live.link import user_scoped
from smnb_app.web.shared.failures import report_failure
from smnb_app.web.shared.runtime import run_db
from smnb_app.web.signin.state import AuthState

RECENT_SIGN_INS = 10


@user_scoped
class SignInsState(rx.State):
    """The signed-in user's last sign-ins, newest first."""

    sign_ins: list[SignInView] = []
    loaded: bool = False
    error: str = ""

    @rx.event
    async def load_sign_ins(self):
        """Read the user's recent sign-ins (sent when the dashboard's protected content mounts)."""
        user_id = (await self.get_state(AuthState))._verified_user_id()
        if user_id is None:
            self.sign_ins, self.loaded = [], False
            return
        try:
            views = await run_db(
                lambda db: recent_sign_ins(db=db, user_id=user_id, limit=RECENT_SIGN_INS), read_only=True
            )
        except Exception as exc:
            self.error = report_failure(
                "could not read the recent sign-ins",
                exc,
                "Your recent sign-ins could not be loaded. Reload the page to try again.",
            )
            return
        self.sign_ins, self.loaded, self.error = list(views), True, ""
