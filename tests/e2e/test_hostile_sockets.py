"""Hostile sockets against the real app: crafted and oversized frames, forged packets, too many sockets.

Each attacker speaks from an address of its own in 127.0.0.0/8, so the per-address budgets it
exhausts are not those of the browser tests (127.0.0.1). Every refusal must leave the worker
answering, change nothing and log one line, never the frame or a token.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiohttp
import pytest
from playwright.sync_api import expect

from smnb_app.web.browser_events import browser_events
from tests.harness.helpers import SECRETS, run_beside_playwright, unique_email
from tests.harness.session_pages import open_sessions
from tests.support.raw_socket import NAMESPACE, RawSocket, event_frame

T = TypeVar("T")
EVENTS = {name.rsplit(".", 1)[1]: name for name in browser_events()}
# The 39 KB error text that held a worker for 30 s in Reflex's auto-reload regexes.
CRAFTED_INFO = ("TypeError: can't access property \"" + '", ') * 1000
BOOT = {"event": {"name": EVENTS["hydrate_and_load"], "payload": {}, "router_data": {"pathname": "/", "asPath": "/"}}}
# The app's default per-address socket budget (SMNB_MAX_SOCKETS_PER_ADDRESS).
SOCKETS_PER_ADDRESS = 20


async def opened(url: str, source: str, boot: bool = True) -> RawSocket:
    tab = RawSocket(url, source=source)
    # A tab token is a bearer credential for its state: the log check fails a test that logs one.
    SECRETS.append(str(tab.token))
    await tab.open()
    answer = await tab.connect(BOOT if boot else None)
    assert answer.startswith(f"40{NAMESPACE}"), answer
    return tab


async def still_answers(url: str, source: str) -> None:
    """A fresh tab gets its pong: the worker is not held by anything."""
    tab = await opened(url, source, boot=False)
    try:
        await tab.send(f"42{NAMESPACE}," + json.dumps(["ping"]))
        assert await tab.receive_packet(f'42{NAMESPACE},["ping","pong"', timeout_s=5)
    finally:
        await tab.close()


async def with_tab(url: str, source: str, act: Callable[[RawSocket], Awaitable[T]]) -> T:
    tab = await opened(url, source)
    try:
        return await act(tab)
    finally:
        await tab.close()


def test_the_crafted_frontend_error_is_refused_before_any_handler(app_server):
    offset = app_server.log_size()

    async def attack(tab: RawSocket) -> None:
        frame = event_frame(EVENTS["handle_frontend_exception"], {"info": CRAFTED_INFO, "component_stack": ""})
        assert 38_000 < len(frame) < 65_536
        await tab.send(frame)
        await still_answers(app_server.url, "127.0.0.21")

    SECRETS.append(CRAFTED_INFO[:60])
    run_beside_playwright(with_tab(app_server.url, "127.0.0.21", attack))

    refusals = app_server.lines_since(offset, "refused an event on connection")
    assert len(refusals) == 1 and refusals[0].endswith("info: too long"), refusals
    assert not app_server.lines_since(offset, "a page reported a failure")
    assert not app_server.lines_since(offset, "access property")


def test_a_frame_over_the_bound_closes_its_connection_unread(app_server):
    offset = app_server.log_size()

    async def attack(tab: RawSocket) -> int | None:
        assert '"maxPayload":65536' in tab.received[0]  # Engine.IO tells the page the same bound
        await tab.send(event_frame(EVENTS["dismiss_failure"], {"pad": "A" * 1_000_000}))
        return await tab.closed()

    SECRETS.append("A" * 64)
    assert run_beside_playwright(with_tab(app_server.url, "127.0.0.22", attack)) == 1009
    run_beside_playwright(still_answers(app_server.url, "127.0.0.22"))
    assert app_server.lines_since(offset, "closed a websocket from 127.0.0.22: a frame over 65536 bytes")
    assert not app_server.lines_since(offset, "AAAAAAAAAA")


# Each from an address of its own: refusals are logged once a minute per address and kind.
@pytest.mark.parametrize(
    ("source", "frame"),
    [
        ("127.0.0.31", f"42{NAMESPACE},["),  # JSON cut short
        ("127.0.0.32", f"42{NAMESPACE}," + "[" * 5000 + "]" * 5000),  # nested beyond the parser's recursion
        ("127.0.0.33", f"451-{NAMESPACE}," + json.dumps(["event", {"_placeholder": True, "num": 0}])),  # binary event
        ("127.0.0.34", b"\x00\x01binary"),
        ("127.0.0.35", "x not a packet"),
        ("127.0.0.36", ""),
    ],
)
def test_a_packet_no_page_sends_closes_its_connection_with_one_line(app_server, source, frame):
    offset = app_server.log_size()

    async def attack(tab: RawSocket) -> int | None:
        await tab.send(frame)
        return await tab.closed()

    run_beside_playwright(with_tab(app_server.url, source, attack))
    run_beside_playwright(still_answers(app_server.url, source))
    lines = app_server.lines_since(offset, "websocket")
    assert lines and all("Traceback" not in line for line in app_server.lines_since(offset))
    assert len(app_server.lines_since(offset, "[WARNING]")) <= 2


def test_a_forged_connect_event_cannot_rewrite_the_connection(app_server):
    offset = app_server.log_size()

    async def attack(tab: RawSocket) -> None:
        forged = {
            "QUERY_STRING": "token=00000000-0000-4000-8000-000000000000",
            "asgi.scope": {"client": ["203.0.113.9", 1], "headers": []},
        }
        for name in ("connect", "disconnect", "link_token_to_sid"):
            await tab.send(f"42{NAMESPACE}," + json.dumps([name, forged]))
        await tab.send(f"42{NAMESPACE}," + json.dumps(["ping"]))
        assert await tab.receive_packet(f'42{NAMESPACE},["ping","pong"', timeout_s=5)

    run_beside_playwright(with_tab(app_server.url, "127.0.0.24", attack))
    assert app_server.lines_since(offset, "dropped a Socket.IO event no page sends")
    assert not app_server.lines_since(offset, "203.0.113.9")


@pytest.mark.parametrize(
    "token",
    [None, "", "x", "../../etc", "00000000-0000-4000-8000-00000000000g", "00000000-0000-4000-8000-0000000000000"],
)
def test_a_connection_without_a_well_formed_tab_token_is_refused(app_server, token):
    async def attempt() -> None:
        tab = RawSocket(app_server.url, source="127.0.0.25", token=token)
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await tab.open()

    run_beside_playwright(attempt())


def server_workers() -> int:
    """How many workers serve the app: Reflex runs granian with `min(2 * cpu + 1, 8)` on Redis."""
    if os.environ.get("GRANIAN_WORKERS"):
        return int(os.environ["GRANIAN_WORKERS"])
    return min(2 * (os.cpu_count() or 1) + 1, 8) if os.environ.get("REFLEX_REDIS_URL") else 1


def test_one_address_gets_its_socket_budget_and_a_clear_refusal_beyond(app_server):
    """The budget is per worker: the first refusal comes once one worker holds its 20."""
    most = SOCKETS_PER_ADDRESS * server_workers()

    async def crowd() -> tuple[int, str]:
        tabs: list[RawSocket] = []
        try:
            while len(tabs) <= most:
                tab = RawSocket(app_server.url, source="127.0.0.26")
                SECRETS.append(str(tab.token))
                await tab.open()
                answer = await tab.connect()
                tabs.append(tab)
                if not answer.startswith(f"40{NAMESPACE}"):
                    await still_answers(app_server.url, "127.0.0.27")
                    return len(tabs) - 1, answer
            return len(tabs), "no refusal"
        finally:
            for tab in tabs:
                await tab.close()

    accepted, refusal = run_beside_playwright(crowd())
    assert SOCKETS_PER_ADDRESS <= accepted <= most
    assert refusal.startswith(f"44{NAMESPACE}") and "Too many open connections from your address" in refusal


def test_a_flood_from_many_tabs_of_one_address_is_limited_for_all_of_them(app_server):
    """Twenty tabs of one address, each within its own burst, together beyond the address's on some worker.

    780 events over at most 8 workers: one of them sees more than its 120.
    """
    offset = app_server.log_size()

    async def flood() -> list[bool]:
        tabs = [await opened(app_server.url, "127.0.0.28") for _ in range(SOCKETS_PER_ADDRESS)]
        try:
            for _ in range(39):
                for tab in tabs:
                    await tab.send(event_frame(EVENTS["dismiss_failure"], {}))
            told = []
            for tab in tabs:
                frames = await tab.drain(quiet_s=2)
                told.append(any('"too_fast_rx_state_":true' in frame.replace(" ", "") for frame in frames))
            return told
        finally:
            for tab in tabs:
                await tab.close()

    told = run_beside_playwright(flood())
    assert any(told), "no tab was told it went too fast"
    assert app_server.lines_since(offset, "events a second; dropping its events")


def test_new_session_tokens_beyond_the_address_budget_are_not_verified(new_page, app_server):
    """A tab that is not signed in is told why; a signed-in browser of another address is untouched.

    One tab, so all its tokens meet one worker's budget (60 a minute): 38 at once, then 30 more
    once its own event budget has refilled.
    """
    page = new_page()
    open_sessions(page, email=unique_email("bystander"), name="Bystander")

    async def sign_ins() -> str:
        tab = await opened(app_server.url, "127.0.0.29")
        try:
            for index in range(68):
                if index == 38:
                    await asyncio.sleep(1.6)
                await tab.send(event_frame(EVENTS["set_session_token"], {"token": f"e30.e30.{index}"}))
            return "\n".join(await tab.drain(quiet_s=3))
        finally:
            await tab.close()

    frames = run_beside_playwright(sign_ins())
    assert "Too many sign-ins from your network; try again in a minute." in frames
    page.get_by_test_id("new-session-button").click()
    expect(page.get_by_test_id("session-row")).to_have_count(2)
