"""The websocket guard: every Socket.IO packet and browser event is checked before Reflex sees it.

Reflex reads its websocket (`/_event`) in `EventNamespace`; this wraps the namespace and its
server once the app is built (`socket_hooks`), so a check costs no state lock and a refusal
changes nothing:

- an address holds at most `SMNB_MAX_SOCKETS_PER_ADDRESS` sockets (refused with a message
  the page shows; the edge has already refused a connection without a tab token);
- a packet must be one a page sends (connect, disconnect, an event); a malformed one closes
  its connection with one log line, not a traceback;
- an event needs a linked tab, the tab's budget (`SMNB_EVENT_RATE`/`_BURST`) and its address's
  (`SMNB_ADDRESS_EVENT_RATE`/`_BURST`), a handler on the allowlist with a payload of the right
  shape and size, for a new session token the address's `SMNB_ADDRESS_SIGN_INS_PER_MINUTE`,
  and for a hydration that it is the connection's first; costlier events take more of the
  budgets (`browser_events.EVENT_COSTS`);
- a tab with `SMNB_MAX_QUEUED_EVENTS_PER_TAB` events waiting is not read until one finishes,
  and is cut off if none does within `tab_queue.QUEUE_WAIT_S`.

Refusals are logged at most once a minute per connection and kind, never with a token or a
frame. The budgets are per worker. The raw connection and its frames were checked before all
of this, outside Reflex's ASGI layers (`smnb_app.net.socket_edge`, mounted by `GuardedApp`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import reflex as rx
from reflex.state import BaseState, FrontendEventExceptionState
from socketio.exceptions import ConnectionRefusedError as SocketRefused

from smnb_app.config.settings import Settings
from smnb_app.net.budgets import AddressBudgets, BudgetLimits, address_key
from smnb_app.net.socket_edge import scope_address
from smnb_app.web.guard.connections import Connection
from smnb_app.web.guard.event_guard import EventGuardState, tell_too_fast, tell_too_many_sign_ins
from smnb_app.web.guard.guarded_app import GuardedApp as GuardedApp
from smnb_app.web.guard.payloads import HandlerShape, frame_problem
from smnb_app.web.guard.refusals import log_refusal
from smnb_app.web.guard.socket_hooks import wrap_handlers
from smnb_app.web.guard.tab_queue import wait_for_room
from smnb_app.web.shared.detached import run_detached
from smnb_app.web.signin.state import AuthState

logger = logging.getLogger(__name__)

TOO_MANY_SOCKETS = "Too many open connections from your address; close some tabs and reload."

Notice = Callable[[BaseState], Awaitable[None]]


class SocketGuard:
    """The checks of one worker's websocket, with the budgets they keep."""

    def __init__(
        self,
        app: rx.App,
        allowed: Mapping[str, HandlerShape],
        settings: Settings,
        *,
        sign_in_event: str,
        once_per_connection: frozenset[str] = frozenset(),
        costs: Mapping[str, int] | None = None,
    ) -> None:
        """Prepare the checks (`install` wires them in).

        Args:
            app: The app, once built (its event namespace exists).
            allowed: The handlers a browser may call, by full event name.
            settings: The budgets and the trusted proxies.
            sign_in_event: The full name of the event that presents a session token.
            once_per_connection: The events a connection may send once (its hydration).
            costs: What an event costs from the budgets, by full name, where it is not 1.
        """
        self.app = app
        self.namespace = app.event_namespace
        self.allowed = dict(allowed)
        self.settings = settings
        self.sign_in_event = sign_in_event
        self.once_per_connection = once_per_connection
        self.costs = dict(costs or {})
        self.budgets = AddressBudgets(
            BudgetLimits(
                sockets=settings.max_sockets_per_address,
                event_rate=settings.address_event_rate,
                event_burst=settings.address_event_burst,
                sign_ins_per_minute=settings.address_sign_ins_per_minute,
            )
        )
        self.connections: dict[str, Connection] = {}

    def install(self) -> None:
        """Wrap the namespace's and the server's handlers; switch off Reflex's error-text regexes."""
        namespace, sio = self.namespace, self.app.sio
        if namespace is None or sio is None:
            return
        # Reflex matches a page's error text against backtracking regexes; a reload on a page
        # error is not worth a worker.
        FrontendEventExceptionState.auto_reload_on_errors = []
        sio.eio.max_http_buffer_size = self.settings.max_event_bytes
        wrap_handlers(namespace, sio, self)

    async def connect(self, sid: str, environ: dict, forward: Callable[[], Awaitable[None]]) -> None:
        """Count a new socket against its address, then let Reflex connect it.

        Args:
            sid: The Socket.IO session.
            environ: The connection's environ (its ASGI scope).
            forward: Reflex's connect.

        Raises:
            SocketRefused: The address has all the sockets it may have.
        """
        key = address_key(scope_address(environ.get("asgi.scope") or {}, self.settings.trusted_proxies))
        if not self.budgets.open_socket(key):
            log_refusal(
                logger,
                key,
                "sockets",
                "refused a websocket connection from %s: %d open already",
                key or "an unknown address",
                self.settings.max_sockets_per_address,
            )
            raise SocketRefused(TOO_MANY_SOCKETS)
        self.connections[sid] = Connection(key=key)
        try:
            await forward()
        except BaseException:
            self.disconnect(sid)
            raise

    def disconnect(self, sid: str) -> None:
        """Stop counting a socket that ended.

        Args:
            sid: The Socket.IO session.
        """
        connection = self.connections.pop(sid, None)
        if connection is not None:
            self.budgets.close_socket(connection.key)

    async def admit(self, sid: str, frame: Any) -> bool:
        """Whether a browser event may be queued; tells the tab when it may not.

        Args:
            sid: The Socket.IO session.
            frame: The decoded event.

        Returns:
            True to hand it to Reflex.
        """
        connection = self.connections.get(sid)
        token = self.namespace.sid_to_token.get(sid) if self.namespace is not None else None
        if connection is None or token is None:
            log_refusal(logger, sid, "unlinked", "dropped an event from a connection without a tab")
            return False
        now, settings = time.monotonic(), self.settings
        name = frame.get("name") if isinstance(frame, dict) else None
        cost = self.costs.get(name, 1) if isinstance(name, str) else 1
        allowed = connection.take_events(now=now, rate=settings.event_rate, burst=settings.event_burst, cost=cost)
        if not allowed or not self.budgets.take_event(connection.key, now, cost):
            rate, reason = (
                (settings.event_rate, "event-rate")
                if not allowed
                else (settings.address_event_rate, "address-event-rate")
            )
            self._notice(
                connection, token, now, EventGuardState, lambda root: tell_too_fast(root, rate=rate, reason=reason)
            )
            return False
        problem = frame_problem(frame, self.allowed)
        if problem is not None:
            log_refusal(logger, sid, "frame", "refused an event on connection %.12s: %s", sid, problem)
            return False
        if frame["name"] in self.once_per_connection:
            if connection.hydrated:
                log_refusal(logger, sid, "hydrate", "refused a second hydration on connection %.12s", sid)
                return False
            connection.hydrated = True
        if frame["name"] == self.sign_in_event and not connection.sign_in_allowed(frame, self.budgets, now):
            self._notice(connection, token, now, AuthState, tell_too_many_sign_ins)
            return False
        return await wait_for_room(self.app, sid, token, limit=self.settings.max_queued_events_per_tab)

    def _notice(self, connection: Connection, token: str, now: float, state: type[BaseState], tell: Notice) -> None:
        """Tell the tab, under its lock, at most once every `NOTICE_HOLD_S` (a refusal itself takes none)."""
        if connection.notice_due(now):
            run_detached(self._tell(token, state, tell))

    async def _tell(self, token: str, state: type[BaseState], tell: Notice) -> None:
        try:
            async with self.app.modify_state(rx.BaseStateToken(ident=token, cls=state)) as root:
                await tell(root)
        except Exception as exc:  # noqa: BLE001 - a notice that cannot be shown is no reason to fail
            logger.warning("could not tell a tab its events were dropped: %s", type(exc).__name__)
