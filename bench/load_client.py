"""A tab without a browser: Reflex's websocket protocol spoken with python-socketio's asyncio client.

A browser tab opens a Socket.IO connection (path and namespace `/_event`) with its client token in the query and
its boot event (`hydrate_and_load` for the page it shows) in the CONNECT packet's auth; it then
emits each event as `{name, payload, router_data}` on "event", and the server answers with
"event" messages holding state deltas. `LoadTab` does the same and keeps the merged state, so a
caller can wait until the state shows what an event was sent to change.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import socketio

ROOT_STATE = "reflex___state____state"
VAR_SUFFIX = "_rx_state_"
NAMESPACE = "/_event"
ANSWER_TIMEOUT_S = 60

StatePredicate = Callable[["LoadTab"], bool]


def state_name(module: str, class_name: str) -> str:
    """The full name Reflex gives a state class defined in `module` (dotted) as `class_name`.

    Args:
        module: The module's dotted path, e.g. `smnb_app.web.signin.state`.
        class_name: The class's snake-case name, e.g. `auth_state`.

    Returns:
        The name under which its vars arrive and its events are sent.
    """
    return f"{ROOT_STATE}.{module.replace('.', '___')}____{class_name}"


def hydrated(tab: LoadTab) -> bool:
    """Whether the page's boot event (and its on_load) has run."""
    return tab.var(ROOT_STATE, "is_hydrated") is True


class LoadTab:
    """One tab of one page: a websocket to the app and the state it has been sent."""

    def __init__(self, url: str, path: str, source: str | None = None) -> None:
        """A tab of `path` at `url`, connecting from the loopback address `source` when given."""
        self.url = url
        self.path = path
        self.client_token = str(uuid.uuid4())
        self.state: dict[str, dict[str, Any]] = {}
        self.errors: list[str] = []
        self._waiters: list[tuple[StatePredicate, asyncio.Future[float]]] = []
        self._http: aiohttp.ClientSession | None = None
        if source is not None:
            self._http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(local_addr=(source, 0)))
        self._sio = socketio.AsyncClient(reconnection=False, request_timeout=ANSWER_TIMEOUT_S, http_session=self._http)
        self._sio.on("event", self._on_update, namespace=NAMESPACE)

    def var(self, state: str, name: str, default: Any = None) -> Any:
        """The last value the server sent for one var of one state."""
        values = self.state.get(state, {})
        return values.get(name + VAR_SUFFIX, values.get(name, default))

    def _router_data(self) -> dict[str, Any]:
        return {"pathname": self.path, "asPath": self.path}

    async def _on_update(self, update: Any) -> None:
        if not isinstance(update, dict):
            return
        for state, changes in (update.get("delta") or {}).items():
            self.state.setdefault(state, {}).update(changes)
        for event in update.get("events") or ():
            # As the browser does: events the server queues come back, except the client's own
            # actions (`_redirect`, `_call_script`, ...), which a page without a DOM skips.
            if isinstance(event, dict) and not str(event.get("name", "")).startswith("_"):
                await self._sio.emit("event", {**event, "router_data": self._router_data()}, namespace=NAMESPACE)
        now = time.perf_counter()
        for waiter in list(self._waiters):
            predicate, future = waiter
            if not future.done() and predicate(self):
                future.set_result(now)
                self._waiters.remove(waiter)

    async def open(self, until: StatePredicate) -> float:
        """Connect with the page's boot event and wait until the state satisfies `until`.

        Returns:
            Seconds from the connect to the answer.
        """
        boot = {"name": f"{ROOT_STATE}.hydrate_and_load", "payload": {}, "router_data": self._router_data()}
        return await self._answer(
            until,
            lambda: self._sio.connect(
                f"{self.url}?token={self.client_token}",
                transports=["websocket"],
                socketio_path="_event",
                namespaces=[NAMESPACE],
                headers={"Origin": self.url},
                auth={"event": boot},
                wait_timeout=ANSWER_TIMEOUT_S,
            ),
        )

    async def call(self, name: str, payload: dict[str, Any], until: StatePredicate) -> float:
        """Send one event and wait until the state satisfies `until`.

        Args:
            name: The event's full name (`state_name(...)` + "." + handler).
            payload: Its arguments by name.
            until: What the answer must show.

        Returns:
            Seconds from the send to the answer.
        """
        event = {"name": name, "payload": payload, "router_data": self._router_data()}
        return await self._answer(until, lambda: self._sio.emit("event", event, namespace=NAMESPACE))

    async def _answer(self, until: StatePredicate, send: Callable[[], Any]) -> float:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiters.append((until, future))
        started = time.perf_counter()
        try:
            await send()
            return await asyncio.wait_for(future, ANSWER_TIMEOUT_S) - started
        finally:
            if (until, future) in self._waiters:
                self._waiters.remove((until, future))

    async def close(self) -> None:
        """Disconnect."""
        await self._sio.disconnect()
        if self._http is not None:
            await self._http.close()


async def set_up(url: str, path: str, steps: Callable[[LoadTab], Awaitable[Any]], source: str | None = None) -> LoadTab:
    """A tab on `path`, hydrated, after `steps`; disconnected again when any of it fails.

    Args:
        url: The app.
        path: The page the tab shows.
        steps: The events that make the tab ready (signing in, loading).
        source: The loopback address to connect from (the system's choice when None).

    Returns:
        The ready tab.
    """
    tab = LoadTab(url, path, source)
    try:
        await tab.open(hydrated)
        await steps(tab)
    except BaseException:
        await tab.close()
        raise
    return tab
