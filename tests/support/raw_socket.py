"""A hostile tab: Reflex's websocket spoken frame by frame, from any loopback address.

Engine.IO v4 over a websocket: the server opens with `0{...}`, a Socket.IO CONNECT to the
`/_event` namespace is `40/_event,{auth}`, an event is `42/_event,["event", {...}]`. Nothing
here is polite: frames go out as given, so tests and `bench/abuse.py` can send what no page does.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import aiohttp

NAMESPACE = "/_event"


def event_frame(name: str, payload: dict[str, Any], router_data: dict[str, Any] | None = None) -> str:
    """The text frame of one Reflex event."""
    body = {"name": name, "payload": payload, "router_data": router_data or {"pathname": "/", "asPath": "/"}}
    return f"42{NAMESPACE}," + json.dumps(["event", body])


@dataclass
class RawSocket:
    """One websocket to the app's `/_event`, from `source` (an address of 127.0.0.0/8)."""

    url: str
    source: str = "127.0.0.1"
    token: str | None = field(default_factory=lambda: str(uuid.uuid4()))
    headers: dict[str, str] = field(default_factory=dict)
    session: aiohttp.ClientSession | None = None
    ws: aiohttp.ClientWebSocketResponse | None = None
    received: list[str] = field(default_factory=list)

    async def open(self) -> None:
        """Open the websocket (Engine.IO's handshake included).

        Raises:
            aiohttp.WSServerHandshakeError: The server refused the connection.
        """
        query = "EIO=4&transport=websocket" + (f"&token={self.token}" if self.token is not None else "")
        ws_url = self.url.replace("http", "ws", 1).rstrip("/") + f"/_event/?{query}"
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(self.source, 0)))
        try:
            self.ws = await self.session.ws_connect(
                ws_url, headers={"Origin": self.url, **self.headers}, max_msg_size=0
            )
            await self.receive()  # Engine.IO's open packet
        except BaseException:
            await self.close()
            raise

    async def connect(self, auth: dict[str, Any] | None = None) -> str:
        """Connect the Socket.IO namespace; the server's answer (`40...` or a `44...` refusal)."""
        await self.send(f"40{NAMESPACE}," + json.dumps(auth or {}))
        return await self.receive_packet("4")

    async def send(self, frame: str | bytes) -> None:
        """Send one frame as it is."""
        assert self.ws is not None
        if isinstance(frame, bytes):
            await self.ws.send_bytes(frame)
        else:
            await self.ws.send_str(frame)

    async def receive(self, timeout_s: float = 10.0) -> str | None:
        """The next text frame, answering Engine.IO pings; None once the server closed."""
        assert self.ws is not None
        while True:
            message = await self.ws.receive(timeout=timeout_s)
            if message.type != aiohttp.WSMsgType.TEXT or message.data == "1":
                # Anything but text is the end; so is Engine.IO's close packet.
                return None
            if message.data == "2":
                await self.ws.send_str("3")
                continue
            self.received.append(message.data)
            return message.data

    async def drain(self, quiet_s: float = 1.0) -> list[str]:
        """Every text frame until none came for `quiet_s` seconds (or the server closed)."""
        frames: list[str] = []
        while True:
            try:
                frame = await self.receive(quiet_s)
            except TimeoutError:
                return frames
            if frame is None:
                return frames
            frames.append(frame)

    async def receive_packet(self, prefix: str, timeout_s: float = 10.0) -> str:
        """The next frame starting with `prefix` (skipping state updates and others)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            frame = await self.receive(max(0.1, deadline - loop.time()))
            if frame is None:
                raise ConnectionError(f"closed ({self.close_code}) before a {prefix!r} frame")
            if frame.startswith(prefix):
                return frame

    async def closed(self, timeout_s: float = 10.0) -> int | None:
        """Wait until the server closes the websocket; its close code."""
        assert self.ws is not None
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while not self.ws.closed:
            if await self.receive(max(0.1, deadline - loop.time())) is None:
                break
        return self.close_code

    @property
    def close_code(self) -> int | None:
        """The code the server closed with, if it did."""
        return self.ws.close_code if self.ws is not None else None

    async def close(self) -> None:
        """Close the websocket and its HTTP session."""
        if self.ws is not None and not self.ws.closed:
            await self.ws.close()
        if self.session is not None:
            await self.session.close()
