"""The guard's wrappers around python-socketio's and Reflex's websocket handlers.

python-socketio looks its handlers up on the instances for every packet (the connect-time boot
event included), so wrappers set there see all of them: a packet no page sends closes its
connection with one log line, not a traceback; a Socket.IO event no page emits is dropped; a
connect, a disconnect and a browser event go through the guard's checks.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from engineio.async_server import AsyncServer as EngineServer
from reflex.app import EventNamespace
from socketio import AsyncServer

from smnb_app.web.guard.refusals import log_refusal

logger = logging.getLogger(__name__)

# The Socket.IO events a page emits; `connect` and `disconnect` arrive as their own packets.
SOCKET_EVENTS = frozenset({"event", "ping", "client_error"})
# Socket.IO packet types a page sends: connect, disconnect, event.
CLIENT_PACKET_TYPES = frozenset("012")


class SocketChecks(Protocol):
    """The checks the wrappers call (`SocketGuard`)."""

    async def connect(self, sid: str, environ: dict, forward: Callable[[], Awaitable[None]]) -> None:
        """Count a new socket, then let Reflex connect it; raise to refuse it."""
        ...

    def disconnect(self, sid: str) -> None:
        """Stop counting a socket that ended."""
        ...

    async def admit(self, sid: str, frame: Any) -> bool:
        """Whether a browser event may be handed to Reflex."""
        ...


def wrap_handlers(namespace: EventNamespace, sio: AsyncServer, checks: SocketChecks) -> None:
    """Put the checks in front of the namespace's and the server's handlers.

    Args:
        namespace: Reflex's event namespace.
        sio: The Socket.IO server it is registered with.
        checks: The checks.
    """
    engine: EngineServer = sio.eio
    forward_connect, forward_disconnect = namespace.on_connect, namespace.on_disconnect
    forward_event = namespace.on_event
    forward_packet, forward_socket_event = engine.handlers["message"], sio._handle_event

    async def on_connect(sid: str, environ: dict, auth: Any = None) -> None:
        await checks.connect(sid, environ, lambda: forward_connect(sid, environ, auth))

    def on_disconnect(sid: str, reason: Any = None) -> asyncio.Task | None:
        checks.disconnect(sid)
        return forward_disconnect(sid)

    async def on_event(sid: str, data: Any) -> None:
        if await checks.admit(sid, data):
            await forward_event(sid, data)

    async def on_packet(eio_sid: str, data: Any) -> None:
        await read_packet(engine, eio_sid, data, forward_packet)

    # Named as python-socketio names them: the instance attribute replaces its method.
    async def on_socket_event(eio_sid: str, namespace: str, id: Any, data: Any) -> None:
        if isinstance(data, list) and data and data[0] in SOCKET_EVENTS:
            await forward_socket_event(eio_sid, namespace, id, data)
        else:
            log_refusal(
                logger,
                eio_sid,
                "socket-event",
                "dropped a Socket.IO event no page sends (%.40r)",
                data[0] if isinstance(data, list) and data else type(data).__name__,
            )

    namespace.on_connect, namespace.on_disconnect, namespace.on_event = on_connect, on_disconnect, on_event
    engine.handlers["message"], sio._handle_event = on_packet, on_socket_event


async def read_packet(
    engine: EngineServer, eio_sid: str, data: Any, forward: Callable[[str, Any], Awaitable[None]]
) -> None:
    """Hand a Socket.IO packet on, or close its connection when no page would send it.

    Args:
        engine: The Engine.IO server the packet came through.
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
    log_refusal(logger, eio_sid, "packet", "closed a websocket connection: %s", why)
    await engine.disconnect(eio_sid)
