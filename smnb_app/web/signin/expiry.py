"""The server-side expiry of a tab's sign-in: a mixin of `AuthState`.

A stale or stolen tab does not stay signed in: when no fresh token arrives before the current
one expires (plus the clock skew), the server signs the tab out, whatever its browser does.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from typing import TYPE_CHECKING

import reflex as rx

from smnb_app.web.shared.audit import audit_event, first_in_a_while, record_later

logger = logging.getLogger(__name__)

# How long past its expected wake-up a sleeping expiry watcher keeps its claim on the tab.
WATCH_LEASE_MARGIN_S = 5.0


class ExpiryWatch(rx.State, mixin=True):
    """One background watcher per tab, following every token refresh."""

    _watcher: str = ""
    _watch_until: float = 0.0

    if TYPE_CHECKING:
        # Provided by `AuthState`, the state this mixin is part of.
        is_authenticated: bool
        _user_id: int
        _claims: dict

        def _deadline(self) -> float: ...
        def _drop(self) -> None: ...
        def _sign_in_redirect(self) -> rx.event.EventSpec | None: ...

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
        # Once a minute per user: tabs a client opened and left cost one row, not one each.
        if first_in_a_while(self, "session_expired", key=f"user:{self._user_id}"):
            record_later(audit_event(self, "session_expired", user_id=self._user_id, sid=self._claims.get("sid")))
        self._drop()
        return self._sign_in_redirect()
