"""The websocket's edge: what a raw connection to `/_event` may send before Engine.IO reads it.

An ASGI wrapper around the backend, for websocket requests under the event path only:

- a connection must name a tab token shaped as the browser makes them (a UUID);
- one address holds at most `max_transports` connections at once (twice the Socket.IO budget,
  which refuses with a message the page shows; this bound only stops clients that never get
  that far), and opens at most `connect_burst` at once and `connect_rate` a second after
  that: each new one costs Reflex a state and a hydration;
- every frame is text of at most `max_frame_bytes` that starts with an Engine.IO packet type.
  Reflex's pages send nothing else; anything else closes the connection before a byte of it
  is parsed;
- a connection sends at most a quarter more than the tab's event budget (`frame_rate`,
  `frame_burst`): the socket guard refuses events beyond the tab's own budget and tells the
  tab, but it can only do so once Engine.IO and Socket.IO have parsed them; frames beyond that
  are dropped unparsed, and a connection that goes on sending into an empty budget (a flood,
  not a burst) is closed.

Each refusal logs one line per address and kind a minute, naming neither the token nor the frame.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any
from urllib.parse import parse_qs

from smnb_app.config.values import IPNetwork
from smnb_app.net.budgets import AddressBudgets, BudgetLimits, address_key
from smnb_app.net.client_address import client_address
from smnb_app.net.token_bucket import Bucket, take
from smnb_app.system.throttle import Throttle

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

TAB_TOKEN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
# Engine.IO packet types: open, close, ping, pong, message, upgrade, noop.
_ENGINE_IO_TYPES = frozenset("0123456")
CLOSE_POLICY, CLOSE_UNSUPPORTED, CLOSE_TOO_BIG = 1008, 1003, 1009
# Frames dropped in a row, beyond the budget, before the connection is closed as a flood.
FLOOD_FRAMES = 40
_REFUSALS = Throttle(interval_s=60.0, max_per_interval=60)


def _header(scope: Scope, name: bytes) -> str | None:
    values = [value.decode("latin-1") for key, value in scope.get("headers", ()) if key.lower() == name]
    return ", ".join(values) if values else None


def scope_address(scope: Scope, proxies: Sequence[IPNetwork]) -> str:
    """The client's address for an ASGI scope, through trusted proxies only.

    Args:
        scope: The request's scope.
        proxies: `SMNB_TRUSTED_PROXIES`.

    Returns:
        The address ("" when unknown).
    """
    client = scope.get("client")
    peer = str(client[0]) if client else None
    return client_address(peer, _header(scope, b"x-forwarded-for"), proxies)


def frame_refusal(message: Message, max_bytes: int) -> tuple[int, str] | None:
    """Why a received websocket frame closes its connection, or None when Engine.IO may read it.

    Args:
        message: The ASGI `websocket.receive` message.
        max_bytes: The largest frame accepted.

    Returns:
        The close code and a short reason (never the frame's content).
    """
    if message.get("bytes") is not None:
        return CLOSE_UNSUPPORTED, "a binary frame (the pages send text only)"
    text = message.get("text") or ""
    # A character is at most 4 bytes: only a frame near the bound needs encoding to be measured.
    if len(text) > max_bytes or (len(text) * 4 > max_bytes and len(text.encode("utf-8", "surrogatepass")) > max_bytes):
        return CLOSE_TOO_BIG, f"a frame over {max_bytes} bytes"
    if not text or text[0] not in _ENGINE_IO_TYPES:
        return CLOSE_POLICY, "a frame that is no Engine.IO packet"
    return None


class SocketEdge:
    """Refuses websocket connections and frames under `path` that no page of the app would send."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        path: str,
        max_frame_bytes: int,
        max_transports: int,
        connect_rate: float,
        connect_burst: int,
        frame_rate: float,
        frame_burst: int,
        trusted_proxies: Sequence[IPNetwork],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Wrap the backend.

        Args:
            app: The backend's ASGI app.
            path: The websocket's path (`/_event`).
            max_frame_bytes: The largest frame accepted.
            max_transports: Connections one address may hold at once.
            connect_rate: New connections a second one address may open on average.
            connect_burst: New connections one address may open at once.
            frame_rate: Frames a second one connection may send on average.
            frame_burst: Frames one connection may send at once.
            trusted_proxies: Peers whose `X-Forwarded-For` names the client.
            clock: Monotonic seconds, for the frame budget and the log throttle.
        """
        self._app = app
        self._path = path.rstrip("/")
        self._max_frame_bytes = max_frame_bytes
        self._transports = AddressBudgets(
            BudgetLimits(sockets=max_transports, connect_rate=connect_rate, connect_burst=connect_burst)
        )
        self._frame_rate = frame_rate
        self._frame_burst = frame_burst
        self._proxies = tuple(trusted_proxies)
        self._clock = clock

    def open_transports(self, address: str) -> int:
        """How many connections of an address are open now."""
        return self._transports.open_sockets(address_key(address))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve a request, guarding websocket connections to the event path."""
        path = str(scope.get("path", ""))
        if scope.get("type") != "websocket" or (path != self._path and not path.startswith(self._path + "/")):
            await self._app(scope, receive, send)
            return
        key = address_key(scope_address(scope, self._proxies))
        tokens = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [])
        if len(tokens) != 1 or not TAB_TOKEN.fullmatch(tokens[0]):
            await self._refuse(send, key, "a connection without a well-formed tab token")
            return
        if not self._transports.open_socket(key, self._clock()):
            await self._refuse(send, key, "beyond its connections at once or a second")
            return
        try:
            await self._app(scope, self._guarded_receive(receive, send, key), send)
        finally:
            self._transports.close_socket(key)

    def _guarded_receive(self, receive: Receive, send: Send, key: str) -> Receive:
        budget: Bucket | None = None
        dropped = 0

        async def guarded() -> Message:
            nonlocal budget, dropped
            while True:
                message = await receive()
                if message.get("type") != "websocket.receive":
                    return message
                refusal = frame_refusal(message, self._max_frame_bytes)
                if refusal is None:
                    allowed, budget = take(budget, now=self._clock(), rate=self._frame_rate, burst=self._frame_burst)
                    if allowed:
                        dropped = 0
                        return message
                    dropped += 1
                    if dropped < FLOOD_FRAMES:
                        continue
                    refusal = CLOSE_POLICY, f"a flood of frames (over {self._frame_rate:g} a second)"
                code, why = refusal
                self._log(key, "closed", why)
                await send({"type": "websocket.close", "code": code})
                return {"type": "websocket.disconnect", "code": code}

        return guarded

    async def _refuse(self, send: Send, key: str, why: str) -> None:
        self._log(key, "refused", why)
        await send({"type": "websocket.close", "code": CLOSE_POLICY})

    def _log(self, key: str, action: str, why: str) -> None:
        if _REFUSALS.allow(f"{key}|{action}|{why}", self._clock()):
            logger.warning("%s a websocket from %.64s: %s", action, key or "an unknown address", why)
