"""The socket guard's decisions, before Reflex queues anything: budgets per tab and address, sign-ins, queue room.

Reflex's namespace and event processor are stood in for by the few attributes the guard reads
(the real ones are exercised end to end in tests/e2e/test_hostile_sockets.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any, cast

import pytest
import reflex as rx

from smnb_app.config.settings import Settings
from smnb_app.web.browser_events import ONCE_PER_CONNECTION, SIGN_IN_EVENT, browser_events, event_costs
from smnb_app.web.guard import socket_guard, tab_queue
from smnb_app.web.guard.socket_guard import SocketGuard

ALLOWED = browser_events()
DISMISS = next(name for name in ALLOWED if name.endswith(".dismiss_failure"))
SETTINGS = Settings(
    event_rate=1.0,
    event_burst=3,
    address_event_rate=1.0,
    address_event_burst=5,
    address_sign_ins_per_minute=2,
    max_queued_events_per_tab=2,
)


class StandIn:
    """The parts of `rx.App` the guard reads, recording the tabs it was asked to change or cut off."""

    def __init__(self) -> None:
        self.event_namespace = SimpleNamespace(sid_to_token={}, disconnect=self._disconnect)
        self._event_processor = SimpleNamespace(_token_queues={})
        self.sio = None
        self.told: list[str] = []
        self.cut_off: list[str] = []

    async def _disconnect(self, sid: str) -> None:
        self.cut_off.append(sid)

    @contextlib.asynccontextmanager
    async def modify_state(self, token: Any) -> AsyncIterator[Any]:
        self.told.append(token.ident)
        raise LookupError("no state here")
        yield


def guard_with(*sids: str, settings: Settings = SETTINGS) -> tuple[SocketGuard, StandIn]:
    app = StandIn()
    guard = SocketGuard(
        cast(rx.App, app),  # the stand-in has what the guard reads of an app
        ALLOWED,
        settings,
        sign_in_event=SIGN_IN_EVENT,
        once_per_connection=ONCE_PER_CONNECTION,
        costs=event_costs(),
    )
    for sid in sids:
        app.event_namespace.sid_to_token[sid] = f"tab-{sid}"
        asyncio.run(
            guard.connect(
                sid, {"QUERY_STRING": f"token=tab-{sid}", "asgi.scope": {"client": ["10.0.0.1", 1]}}, _nothing
            )
        )
    return guard, app


async def _nothing() -> None:
    return None


def event(name: str = DISMISS, **payload: Any) -> dict[str, Any]:
    return {"name": name, "payload": payload, "router_data": {"pathname": "/", "asPath": "/"}}


def test_a_tab_beyond_its_burst_is_refused_and_told_once() -> None:
    guard, app = guard_with("a")

    async def flood() -> list[bool]:
        results = [await guard.admit("a", event()) for _ in range(6)]
        await asyncio.sleep(0)
        return results

    assert asyncio.run(flood()) == [True, True, True, False, False, False]
    assert app.told == ["tab-a"]


def test_tabs_of_one_address_share_its_budget() -> None:
    guard, _ = guard_with("a", "b", "c")

    async def spread() -> list[bool]:
        return [await guard.admit(sid, event()) for sid in "abc" for _ in range(2)]

    assert asyncio.run(spread()) == [True, True, True, True, True, False]


def test_an_event_of_a_connection_without_a_tab_is_dropped() -> None:
    guard, app = guard_with("a")
    app.event_namespace.sid_to_token.clear()
    assert asyncio.run(guard.admit("a", event())) is False
    assert asyncio.run(guard.admit("unknown", event())) is False


def test_a_malformed_event_is_refused_after_the_budgets() -> None:
    guard, _ = guard_with("a")
    assert asyncio.run(guard.admit("a", event(DISMISS, extra=1))) is False
    assert asyncio.run(guard.admit("a", {"name": "no.such.handler"})) is False


def test_the_same_session_token_again_costs_no_sign_in_and_new_ones_do() -> None:
    settings = dataclasses.replace(SETTINGS, event_burst=50, address_event_burst=50)
    guard, app = guard_with("a", settings=settings)

    async def present(*tokens: str) -> list[bool]:
        return [await guard.admit("a", event(SIGN_IN_EVENT, token=token)) for token in tokens]

    assert asyncio.run(present("t1", "t1", "t1", "", "t2", "t3")) == [True, True, True, True, True, False]
    assert app.told == ["tab-a"]


def test_a_tab_with_a_full_queue_waits_for_room(monkeypatch: pytest.MonkeyPatch) -> None:
    guard, app = guard_with("a")
    queue = app._event_processor._token_queues["tab-a"] = ["one", "two"]

    async def drain_later() -> bool:
        admitted = asyncio.ensure_future(guard.admit("a", event()))
        await asyncio.sleep(0.1)
        assert not admitted.done()
        queue.pop()
        return await admitted

    assert asyncio.run(drain_later()) is True
    assert app.cut_off == []


def test_a_tab_whose_queue_never_drains_is_cut_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tab_queue, "QUEUE_WAIT_S", 0.1)
    guard, app = guard_with("a")
    app._event_processor._token_queues["tab-a"] = ["one", "two"]
    assert asyncio.run(guard.admit("a", event())) is False
    assert app.cut_off == ["a"]


def test_a_closed_socket_gives_its_place_back() -> None:
    guard, _ = guard_with(*(f"s{index}" for index in range(20)))
    with pytest.raises(socket_guard.SocketRefused, match="Too many open connections"):
        asyncio.run(
            guard.connect("s20", {"QUERY_STRING": "token=x", "asgi.scope": {"client": ["10.0.0.1", 1]}}, _nothing)
        )
    guard.disconnect("s0")
    asyncio.run(guard.connect("s20", {"QUERY_STRING": "token=x", "asgi.scope": {"client": ["10.0.0.1", 1]}}, _nothing))
    assert guard.budgets.open_sockets("10.0.0.1") == 20


def test_a_refused_connect_of_reflex_gives_the_place_back() -> None:
    guard, _ = guard_with()

    async def refuse() -> None:
        raise socket_guard.SocketRefused("no")

    with pytest.raises(socket_guard.SocketRefused):
        asyncio.run(guard.connect("x", {"QUERY_STRING": "token=x", "asgi.scope": {"client": ["10.0.0.1", 1]}}, refuse))
    assert guard.budgets.open_sockets("10.0.0.1") == 0 and guard.connections == {}


def test_a_connection_hydrates_once_and_a_new_connection_again() -> None:
    guard, _ = guard_with("a", "b")
    hydrate = next(name for name in ONCE_PER_CONNECTION if name.endswith(".hydrate_and_load"))
    plain = next(name for name in ONCE_PER_CONNECTION if name.endswith(".hydrate"))

    async def hydrations() -> list[bool]:
        return [
            await guard.admit("a", event(hydrate)),
            await guard.admit("a", event(hydrate)),
            await guard.admit("a", event(plain)),
            await guard.admit("b", event(plain)),
        ]

    assert asyncio.run(hydrations()) == [True, False, False, True]


def test_a_page_load_costs_five_events_of_the_budgets() -> None:
    settings = dataclasses.replace(SETTINGS, event_burst=12, address_event_burst=100)
    guard, _ = guard_with("a", settings=settings)
    page_load = next(name for name in ALLOWED if name.endswith(".on_load_internal"))

    async def loads() -> list[bool]:
        return [await guard.admit("a", event(page_load)) for _ in range(3)] + [await guard.admit("a", event())]

    assert asyncio.run(loads()) == [True, True, False, True]
