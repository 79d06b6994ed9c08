"""What a tab is told when the websocket guard drops its events, and the guard's last line of defence.

The budgets themselves are checked at the socket (`smnb_app.web.guard.socket_guard`), before Reflex
queues or locks anything; a refused event costs no state lock. A tab whose events are dropped
is told so at most once every `NOTICE_HOLD_S`, through its state, and one audit row and one
warning a minute record it:

- beyond its rate (or its address's): "You're going too fast; try again in a moment";
- beyond its address's sign-ins a minute: a tab not yet signed in shows why it is not.

`EventGuard`, a Reflex middleware, still refuses any browser event for a handler off the
allowlist (the socket already did; nothing else should reach it), and clears the notice once the
tab's events run again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping

import reflex as rx
from reflex.middleware.middleware import Middleware
from reflex.state import BaseState, StateUpdate
from reflex_base.event import Event
from reflex_base.event.context import EventContext

from smnb_app.system.throttle import Throttle
from smnb_app.web.guard.payloads import HandlerShape
from smnb_app.web.shared.audit import audit_event, client_label, first_in_a_while, record_later
from smnb_app.web.signin.state import AuthState

logger = logging.getLogger(__name__)

TOO_FAST = "You're going too fast; try again in a moment"
TOO_MANY_SIGN_INS = "Too many sign-ins from your network; try again in a minute."
WARN_EVERY_S = 60.0
# The notice stays this long after the last dropped event, rather than flicker as tokens refill.
NOTICE_HOLD_S = 3.0
_REFUSALS = Throttle(interval_s=WARN_EVERY_S, max_per_interval=120)


class EventGuardState(rx.State):
    """Whether the tab was just told to slow down."""

    too_fast: bool = False

    _noticed_at: float = 0.0

    @rx.event
    def dismiss_too_fast(self):
        """Hide the notice."""
        self.too_fast = False


def _from_browser() -> bool:
    try:
        return EventContext.get().parent_txid is None
    except LookupError:
        return True


class EventGuard(Middleware):
    """Refuses browser events for handlers off the allowlist; clears the notice once events run."""

    def __init__(self, allowed: Mapping[str, HandlerShape]) -> None:
        """Create the guard.

        Args:
            allowed: The handlers a browser may call, by full event name.
        """
        self._allowed = dict(allowed)

    async def preprocess(self, app: rx.App, state: BaseState, event: Event) -> StateUpdate | None:
        """Let an event through (None), or refuse it before its handler runs.

        Args:
            app: The app.
            state: The tab's locked state.
            event: The event.

        Returns:
            None to run the event; an empty update that replaces it otherwise.
        """
        if not _from_browser():
            return None
        root = state._get_root_state()
        if event.name not in self._allowed:
            client = client_label(root)
            if _REFUSALS.allow(client, time.monotonic()):
                logger.warning(
                    "refused an event from tab %s: a handler the browser may not call (%.120r)", client, event.name
                )
            return StateUpdate()
        guard = await root.get_state(EventGuardState)
        if guard.too_fast and time.time() - guard._noticed_at >= NOTICE_HOLD_S:
            guard.too_fast = False
        return None


async def tell_too_fast(root: BaseState, *, rate: float, reason: str) -> None:
    """Show the tab that its events are being dropped; record it once a minute.

    Args:
        root: The tab's root state, under its lock.
        rate: The rate it went beyond, for the log.
        reason: The audit row's reason (`event-rate`, `address-event-rate`).
    """
    guard = await root.get_state(EventGuardState)
    guard.too_fast, guard._noticed_at = True, time.time()
    if first_in_a_while(root, "rate_limited"):
        logger.warning("tab %s goes beyond %g events a second; dropping its events", client_label(root), rate)
        user_id = (await root.get_state(AuthState))._user_id or None
        record_later(audit_event(root, "rate_limited", user_id=user_id, reason=reason))


async def tell_too_many_sign_ins(root: BaseState) -> None:
    """Tell a tab that is not signed in why its token was not looked at; record it once a minute.

    A signed-in tab keeps its session: only the refresh was dropped, and the next one is taken
    once the budget refills (or the session expires as any unrefreshed one does).

    Args:
        root: The tab's root state, under its lock.
    """
    auth = await root.get_state(AuthState)
    if not auth.is_authenticated:
        auth._end(TOO_MANY_SIGN_INS)
    if first_in_a_while(root, "rate_limited"):
        logger.warning("tab %s: its address goes beyond its sign-ins a minute; dropping its tokens", client_label(root))
        record_later(audit_event(root, "rate_limited", user_id=auth._user_id or None, reason="sign-in-rate"))
