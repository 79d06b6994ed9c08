"""The websocket guard: every Socket.IO packet and browser event is checked before Reflex sees it.

Reflex reads its websocket (`/_event`) in `EventNamespace`; this wraps the namespace and its
server once the app is built, so a check costs no state lock and a refusal changes nothing:

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
  and is cut off if none does within `QUEUE_WAIT_S`.

Refusals are logged at most once a minute per connection and kind, never with a token or a
frame. The budgets are per worker. The raw connection and its frames were checked before all
of this, outside Reflex's ASGI layers (`smnb_app.net.socket_edge`, mounted by `GuardedApp`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import reflex as rx
from reflex.state import BaseState, FrontendEventExceptionState
from socketio.exceptions import ConnectionRefusedError as SocketRefused

from smnb_app.config.settings import Settings
from smnb_app.net.budgets import AddressBudgets, BudgetLimits, address_key
from smnb_app.net.socket_edge import scope_address
from smnb_app.net.token_bucket import Bucket, take
from smnb_app.services.audit import AuditThrottle
from smnb_app.web.guard.event_guard import (
    NOTICE_HOLD_S,
    EventGuardState,
    tell_too_fast,
    tell_too_many_sign_ins,
)
from smnb_app.web.guard.payloads import HandlerShape, frame_problem
from smnb_app.web.shared.detached import run_detached
from smnb_app.web.signin.state import AuthState

logger = logging.getLogger(__name__)

TOO_MANY_SOCKETS = "Too many open connections from your address; close some tabs and reload."
# The Socket.IO events a page emits; `connect` and `disconnect` arrive as their own packets.
SOCKET_EVENTS = frozenset({"event", "ping", "client_error"})
# Socket.IO packet types a page sends: connect, disconnect, event.
CLIENT_PACKET_TYPES = frozenset("012")
QUEUE_WAIT_S = 10.0
QUEUE_POLL_S = 0.02
_REFUSALS = AuditThrottle(interval_s=60.0, max_per_interval=120)

Notice = Callable[[BaseState], Awaitable[None]]


class GuardedApp(rx.App):
    """`rx.App` with one more ASGI layer outside all of Reflex's own (its Starlette app, its
    middlewares, its CORS): `outermost`, set once the app is built, wraps what Reflex serves.

    Reflex's `api_transformer` layers sit inside those; a websocket refused out here (the socket
    edge) costs the worker a third less than one refused in there (`bench/abuse.py`).
    """

    outermost: Callable[[Any], Any] | None = None

    def __call__(self) -> Any:
        """The ASGI app granian serves (Reflex builds it once per worker).

        Returns:
            Reflex's ASGI app, wrapped by `outermost` when set.
        """
        backend = super().__call__()
        return self.outermost(backend) if self.outermost is not None else backend


@dataclass
class _Connection:
    key: str
    events: Bucket | None = None
    hydrated: bool = False
    last_token: str = ""
    noticed_at: float = float("-inf")


def _log(sid: str, kind: str, line: str, *args: Any) -> None:
    if _REFUSALS.allow(f"{sid}|{kind}", time.monotonic()):
        logger.warning(line, *args)


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
        self.connections: dict[str, _Connection] = {}

    def install(self) -> None:
        """Wrap the namespace's and the server's handlers; switch off Reflex's error-text regexes."""
        namespace, sio = self.namespace, self.app.sio
        if namespace is None or sio is None:
            return
        # Reflex matches a page's error text against backtracking regexes; a reload on a page
        # error is not worth a worker.
        FrontendEventExceptionState.auto_reload_on_errors = []
        sio.eio.max_http_buffer_size = self.settings.max_event_bytes
        forward_connect, forward_disconnect = namespace.on_connect, namespace.on_disconnect
        forward_event = namespace.on_event
        forward_packet, forward_socket_event = sio.eio.handlers["message"], sio._handle_event

        async def on_connect(sid: str, environ: dict, auth: Any = None) -> None:
            await self.connect(sid, environ, lambda: forward_connect(sid, environ, auth))

        def on_disconnect(sid: str, reason: Any = None) -> asyncio.Task | None:
            self.disconnect(sid)
            return forward_disconnect(sid)

        async def on_event(sid: str, data: Any) -> None:
            if await self.admit(sid, data):
                await forward_event(sid, data)

        async def on_packet(eio_sid: str, data: Any) -> None:
            await self.read_packet(eio_sid, data, forward_packet)

        async def on_socket_event(eio_sid: str, namespace_name: str, ack: Any, data: Any) -> None:
            if isinstance(data, list) and data and data[0] in SOCKET_EVENTS:
                await forward_socket_event(eio_sid, namespace_name, ack, data)
            else:
                _log(
                    eio_sid,
                    "socket-event",
                    "dropped a Socket.IO event no page sends (%.40r)",
                    data[0] if isinstance(data, list) and data else type(data).__name__,
                )

        # python-socketio looks these up on the instances for every packet (the connect-time
        # boot event included), so the wrappers see all of them.
        namespace.on_connect, namespace.on_disconnect, namespace.on_event = on_connect, on_disconnect, on_event
        sio.eio.handlers["message"], sio._handle_event = on_packet, on_socket_event

    async def read_packet(self, eio_sid: str, data: Any, forward: Callable[[str, Any], Awaitable[None]]) -> None:
        """Hand a Socket.IO packet on, or close its connection when no page would send it.

        Args:
            eio_sid: The Engine.IO connection.
            data: The packet as text.
            forward: python-socketio's reader.
        """
        if not isinstance(data, str) or not data or data[0] not in CLIENT_PACKET_TYPES:
            why = "a packet type no page sends"
        else:
            try:
                await forward(eio_sid, data)
                return
            except Exception as exc:  # noqa: BLE001 - anything a malformed packet raises ends its connection
                why = f"a malformed packet ({type(exc).__name__})"
        _log(eio_sid, "packet", "closed a websocket connection: %s", why)
        await self.app.sio.eio.disconnect(eio_sid)

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
            _log(
                key,
                "sockets",
                "refused a websocket connection from %s: %d open already",
                key or "an unknown address",
                self.settings.max_sockets_per_address,
            )
            raise SocketRefused(TOO_MANY_SOCKETS)
        self.connections[sid] = _Connection(key=key)
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
            _log(sid, "unlinked", "dropped an event from a connection without a tab")
            return False
        now, settings = time.monotonic(), self.settings
        name = frame.get("name") if isinstance(frame, dict) else None
        cost = self.costs.get(name, 1) if isinstance(name, str) else 1
        allowed, connection.events = take(
            connection.events, now=now, rate=settings.event_rate, burst=settings.event_burst, cost=cost
        )
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
            _log(sid, "frame", "refused an event on connection %.12s: %s", sid, problem)
            return False
        if frame["name"] in self.once_per_connection:
            if connection.hydrated:
                _log(sid, "hydrate", "refused a second hydration on connection %.12s", sid)
                return False
            connection.hydrated = True
        if frame["name"] == self.sign_in_event and not self._sign_in_allowed(connection, frame, now):
            self._notice(connection, token, now, AuthState, tell_too_many_sign_ins)
            return False
        return await self._wait_for_room(sid, token)

    def _sign_in_allowed(self, connection: _Connection, frame: dict, now: float) -> bool:
        """Whether a session token may be verified: the same token again is free, a new one costs."""
        token = frame.get("payload", {}).get("token")
        if not isinstance(token, str) or not token:
            return True
        digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
        if digest == connection.last_token:
            return True
        if not self.budgets.take_sign_in(connection.key, now):
            return False
        connection.last_token = digest
        return True

    def _notice(self, connection: _Connection, token: str, now: float, state: type[BaseState], tell: Notice) -> None:
        """Tell the tab, under its lock, at most once every `NOTICE_HOLD_S` (a refusal itself takes none)."""
        if now - connection.noticed_at < NOTICE_HOLD_S:
            return
        connection.noticed_at = now
        run_detached(self._tell(token, state, tell))

    async def _tell(self, token: str, state: type[BaseState], tell: Notice) -> None:
        try:
            async with self.app.modify_state(rx.BaseStateToken(ident=token, cls=state)) as root:
                await tell(root)
        except Exception as exc:  # noqa: BLE001 - a notice that cannot be shown is no reason to fail
            logger.warning("could not tell a tab its events were dropped: %s", type(exc).__name__)

    async def _wait_for_room(self, sid: str, token: str) -> bool:
        """Wait while the tab has its fill of events queued; cut it off if that lasts."""
        limit = self.settings.max_queued_events_per_tab
        deadline = time.monotonic() + QUEUE_WAIT_S
        while self._queued(token) >= limit:
            if time.monotonic() > deadline:
                _log(sid, "queue", "closed a websocket connection: %d events waited over %g s", limit, QUEUE_WAIT_S)
                await self.namespace.disconnect(sid)
                return False
            await asyncio.sleep(QUEUE_POLL_S)
        return True

    def _queued(self, token: str) -> int:
        # Reflex runs a tab's events one after another from this queue (reflex_base's
        # EventProcessor._enqueue_for_token); it has no public length.
        processor = getattr(self.app, "_event_processor", None)
        queues = getattr(processor, "_token_queues", None) or {}
        return len(queues.get(token, ()))
