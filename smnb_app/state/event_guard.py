"""The gate every browser event passes before any handler runs: known handlers, sane rate, right shape.

A browser can send any frame over its websocket. Two checks stand in its way:

- at the socket (`guard_socket`), before Reflex reads or queues anything: the frame must be an
  object naming a handler the pages use (`browser_events.py`), with object payload and route.
  Reflex itself would log an unknown name as an error with the whole event, headers included;
- before the handler (`EventGuard`, a Reflex middleware, under the tab's state lock): the tab
  must be within `SMNB_EVENT_RATE` events a second (bursts of `SMNB_EVENT_BURST`), and the
  payload must have the handler's arguments with the right types.

Events the server chains itself pass untouched. The token bucket lives in the tab's own state,
so every worker sharing the state manager (Redis) shares it. Refused events change nothing;
refusals are logged at most once a minute per tab or connection, within a global bound.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

import reflex as rx
from reflex.middleware import Middleware
from reflex.state import BaseState, StateUpdate
from reflex_base.event import Event
from reflex_base.event.context import EventContext

from smnb_app.net.token_bucket import Bucket, take
from smnb_app.services.audit import AuditThrottle
from smnb_app.settings import get_settings
from smnb_app.state.audit import audit_event, client_label, first_in_a_while, record_later
from smnb_app.state.auth import AuthState
from smnb_app.state.event_payloads import HandlerShape, frame_problem, payload_problem

logger = logging.getLogger(__name__)

TOO_FAST = "You're going too fast; try again in a moment"
WARN_EVERY_S = 60.0
# The notice stays this long after the last dropped event, rather than flicker as tokens refill.
NOTICE_HOLD_S = 3.0
_REFUSALS = AuditThrottle(interval_s=WARN_EVERY_S, max_per_interval=120)


class EventGuardState(rx.State):
    """One tab's event budget, and whether it was just told to slow down."""

    too_fast: bool = False

    _tokens: float = 0.0
    _counted_at: float = 0.0
    _started: bool = False
    _warned_at: float = 0.0
    _dropped_at: float = 0.0

    @rx.event
    def dismiss_too_fast(self):
        """Hide the notice."""
        self.too_fast = False

    def _admit(self, now: float) -> bool:
        settings = get_settings()
        bucket = Bucket(self._tokens, self._counted_at) if self._started else None
        allowed, after = take(bucket, now=now, rate=settings.event_rate, burst=settings.event_burst)
        self._tokens, self._counted_at, self._started = after.tokens, after.at, True
        if not allowed:
            self._dropped_at = now
        elif self.too_fast and now - self._dropped_at >= NOTICE_HOLD_S:
            self.too_fast = False
        return allowed


def _from_browser() -> bool:
    try:
        return EventContext.get().parent_txid is None
    except LookupError:
        return True


class EventGuard(Middleware):
    """Refuses browser events for unknown handlers, beyond the tab's rate, or of the wrong shape."""

    def __init__(self, allowed: Mapping[str, HandlerShape]) -> None:
        """Create the guard.

        Args:
            allowed: The handlers a browser may call, by full event name, with their arguments.
        """
        self._allowed = dict(allowed)

    async def preprocess(self, app: rx.App, state: BaseState, event: Event) -> StateUpdate | None:
        """Let an event through (None), or refuse it before its handler runs.

        Args:
            app: The app.
            state: The tab's locked state.
            event: The event.

        Returns:
            None to run the event; an update (possibly empty) that replaces it otherwise.
        """
        if not _from_browser():
            return None
        root = state._get_root_state()
        shape = self._allowed.get(event.name)
        if shape is None:
            return _refuse(root, event, "a handler the browser may not call")
        guard = await root.get_state(EventGuardState)
        now = time.time()
        if not guard._admit(now):
            return await self._too_fast(root, guard, event, now)
        problem = payload_problem(shape, event.payload)
        return None if problem is None else _refuse(root, event, problem)

    @staticmethod
    async def _too_fast(root: BaseState, guard: EventGuardState, event: Event, now: float) -> StateUpdate:
        guard.too_fast = True
        if now - guard._warned_at >= WARN_EVERY_S:
            guard._warned_at = now
            if first_in_a_while(root, "rate_limited"):
                logger.warning("tab %s goes beyond %g events a second; dropping its events (last: %.120s)",
                               client_label(root), get_settings().event_rate, event.name)
                user_id = (await root.get_state(AuthState))._user_id or None
                record_later(audit_event(root, "rate_limited", user_id=user_id, reason="event-rate"))
        delta = await root._get_resolved_delta()
        root._clean()
        return StateUpdate(delta=delta)


def _refuse(root: BaseState, event: Event, why: str) -> StateUpdate:
    client = client_label(root)
    if _REFUSALS.allow(client, time.monotonic()):
        logger.warning("refused an event from tab %s: %s (%.120r)", client, why, event.name)
    return StateUpdate()


def guard_socket(app: rx.App, allowed: Mapping[str, HandlerShape]) -> None:
    """Refuse malformed frames and unknown handlers at the websocket, before Reflex queues them.

    Args:
        app: The app, once built (its event namespace exists).
        allowed: The handlers a browser may call, by full event name.
    """
    namespace = app.event_namespace
    if namespace is None:
        return
    forward = namespace.on_event

    async def on_event(sid: str, data: Any) -> None:
        problem = frame_problem(data, allowed)
        if problem is None:
            await forward(sid, data)
        elif _REFUSALS.allow(f"socket|{sid}", time.monotonic()):
            logger.warning("refused a websocket event on connection %.12s: %s", sid, problem)

    # python-socketio looks `on_event` up on the instance for every frame (the connect-time
    # boot event included), so this wrapper sees all of them.
    namespace.on_event = on_event
