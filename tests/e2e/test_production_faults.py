"""Faults on the production shape (nginx, two instances, PostgreSQL, Redis), as `make serve` runs it.

Which instance holds a tab's websocket is read from Reflex's own record in Redis, and from the
instances' logs: each logs "tab <tag> signed in" for the sign-ins it handled and "live sync: news
of user N reached k of n tabs" for every change it sent out.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator
from contextlib import closing

import httpx
import psycopg2
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.harness.helpers import SEEN_TESTIDS_SCRIPT, eventually, unique_email
from tests.harness.pages import PageErrors, page_opener
from tests.harness.production import ShapeUnderTest
from tests.harness.session_pages import open_sessions, rename, row
from tests.harness.workers import client_token, socket_instances

RECONNECTED_WITHIN_MS = 5_000
# When each of the page's websockets opened (in-page clock): a reconnect is the second.
SOCKET_OPENS_SCRIPT = """
window.__socketOpens = [];
const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener('open', () => window.__socketOpens.push(performance.timeOrigin + performance.now()));
  }
};
"""
OUTAGE_S = 10
# From Redis answering again to a tab that opened during the outage showing its content, signed in.
RECOVERED_WITHIN_MS = 5_000
# The other devices opened while looking for one on the other instance are the user's tabs too.
EVERY_TAB_REACHED = re.compile(r"reached (\d+) of \1 tabs")
# Devices opened until nginx puts one on the other instance (it alternates, so two suffice).
MAX_DEVICES = 6


@pytest.fixture
def shape_page(browser: Browser, page_errors: PageErrors, production_shape: ShapeUnderTest) -> Iterator:
    """Opens pages of the production shape in fresh browser contexts."""
    with page_opener(browser, page_errors, production_shape.url) as open_page:
        yield open_page


def tag(page: Page) -> str:
    """The tab's name in the instances' logs (see `tab_tag`)."""
    return hashlib.sha256(client_token(page).encode()).hexdigest()[:12]


def first_session(page: Page) -> int:
    listed = page.get_by_test_id("session-row").first.get_attribute("data-session-id")
    assert listed is not None, "the first session row names no session"
    return int(listed)


def stored_name(shape: ShapeUnderTest, session_id: int) -> str:
    """A session's name as PostgreSQL has it."""
    with closing(psycopg2.connect(shape.database_url, connect_timeout=5)) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sessions WHERE id = %s", (session_id,))
        found = cursor.fetchone()
    assert found is not None, f"no session {session_id} in the database"
    return found[0]


def stored_row(shape: ShapeUnderTest, session_id: int) -> tuple[str, int]:
    """A session's name and version (`updated_at`) as PostgreSQL has them: any write changes the version."""
    with closing(psycopg2.connect(shape.database_url, connect_timeout=5)) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT name, updated_at FROM sessions WHERE id = %s", (session_id,))
        found = cursor.fetchone()
    assert found is not None, f"no session {session_id} in the database"
    return found[0], found[1]


def settled(page: Page) -> None:
    """Wait until a page (reloaded by the server, or by the test) has hydrated and shows its content."""
    expect(page.get_by_test_id("page-loaded")).to_be_attached()
    expect(page.get_by_test_id("protected-content")).to_be_visible()


def move_to_other_instance(tab: Page, other: Page) -> None:
    """Reload `tab` until its websocket is held by another instance than `other`'s.

    nginx takes its instances in turn for every request it proxies, and a reload may make two
    (the websocket and a token refresh): every other try sends one more request first, so the
    websocket's turn cannot keep landing on the same instance.
    """
    origin = "/".join(tab.url.split("/")[:3])
    for attempt in range(MAX_DEVICES):
        eventually(lambda: all(socket_instances([each]) for each in (tab, other)), True)
        if socket_instances([tab]) != socket_instances([other]):
            return
        if attempt % 2:
            tab.request.get(f"{origin}/ping")
        tab.reload()
        settled(tab)
    raise AssertionError(f"nginx sent {MAX_DEVICES} reloads to one instance")


def sync_lines(shape: ShapeUnderTest, offsets: tuple[int, ...]) -> list[list[str]]:
    """Per instance, the live-sync lines it logged since `offsets`: one per change it sent out."""
    return [
        server.lines_since(offset, "live sync: news of user")
        for server, offset in zip(shape.servers, offsets, strict=True)
    ]


def devices_on_both_instances(shape_page, email: str) -> tuple[Page, Page]:
    """Two devices of one user whose websockets are held by different instances (Reflex's record in Redis)."""
    first = shape_page()
    open_sessions(first, email=email, name="Iris")
    for _ in range(MAX_DEVICES):
        device = shape_page()
        open_sessions(device, email=email, name="Iris")
        if socket_instances([device]) != socket_instances([first]):
            return first, device
    raise AssertionError(f"nginx sent {MAX_DEVICES} devices to one instance")


def test_pages_and_assets_from_nginx_carry_the_apps_security_headers(production_shape):
    for path in ("/", "/sessions", "/favicon.ico"):
        response = httpx.get(production_shape.url + path, timeout=10)
        assert response.status_code == 200, path
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert (response.headers["x-frame-options"], response.headers["x-content-type-options"]) == ("DENY", "nosniff")


def test_live_sync_and_sign_out_reach_a_device_on_the_other_instance(shape_page, page_errors, production_shape):
    page_errors.allow("401 (Unauthorized)")  # the provider's answer to a signed-out device's refresh
    first, device = devices_on_both_instances(shape_page, unique_email("iris"))
    session_id = first_session(first)
    offsets = production_shape.log_size()

    rename(first, session_id, "Renamed across instances")

    expect(row(device, session_id).get_by_test_id("session-name")).to_have_text("Renamed across instances")
    # One instance sent the change: the one holding the first device's socket, not the other's.
    # Its line is written once every delivery returned, just after the device showed it.
    eventually(
        lambda: [
            any(EVERY_TAB_REACHED.search(line) for line in lines) for lines in sync_lines(production_shape, offsets)
        ].count(True),
        1,
    )
    assert socket_instances([first]) != socket_instances([device])

    first.get_by_role("link", name="Dashboard").click()  # in the page: the socket stays where it is
    first.get_by_test_id("sign-out-everywhere").click()

    expect(device.get_by_test_id("sign-in-prompt")).to_be_visible()
    expect(device.get_by_test_id("protected-content")).to_have_count(0)
    assert socket_instances([first]) != socket_instances([device])
    eventually(lambda: sum(len(lines) for lines in sync_lines(production_shape, offsets)) >= 2, True)


def test_database_outage_says_try_again_changes_nothing_and_heals_without_a_restart(shape_page, production_shape):
    page = shape_page()
    open_sessions(page, email=unique_email("olga"), name="Olga")
    session_id = first_session(page)
    before = stored_name(production_shape, session_id)
    newcomer = shape_page()
    token_requests: list[str] = []
    newcomer.on("request", lambda request: "/dev-auth/tokens" in request.url and token_requests.append(request.url))
    newcomer.goto("/sign-in")
    cut_at = page.evaluate("() => performance.now()")
    production_shape.database_proxy.cut()
    try:
        rename(page, session_id, "Written during the outage")
        expect(page.get_by_test_id("session-error")).to_contain_text("unavailable right now")
        expect(page.get_by_test_id("protected-content")).to_be_visible()

        newcomer.get_by_test_id("dev-sign-in-email").fill(unique_email("nina"))
        newcomer.get_by_test_id("dev-sign-in-name").fill("Nina")
        newcomer.get_by_test_id("dev-sign-in-submit").click()
        expect(newcomer.get_by_test_id("auth-error")).to_contain_text("unavailable right now")
        requests_at_refusal = len(token_requests)
        # The outage lasts its full 10 s: what the tabs do meanwhile is part of the test.
        page.wait_for_timeout(max(0.0, OUTAGE_S * 1000 - (page.evaluate("() => performance.now()") - cut_at)))
        expect(newcomer.get_by_test_id("auth-error")).to_contain_text("unavailable right now")
        assert len(token_requests) <= requests_at_refusal + 1, "the refused sign-in kept asking for tokens"
    finally:
        production_shape.database_proxy.restore()

    assert stored_name(production_shape, session_id) == before
    expect(page.get_by_test_id("protected-content")).to_be_visible()
    page.get_by_test_id("dismiss-error").click()
    rename(page, session_id, "Written after the outage")
    expect(row(page, session_id).get_by_test_id("session-name")).to_have_text("Written after the outage")
    assert stored_name(production_shape, session_id) == "Written after the outage"
    # The newcomer's sign-in at the provider stands: its next token signs the tab in.
    newcomer.goto("/dashboard")
    expect(newcomer.get_by_test_id("protected-content")).to_be_visible()


def test_tabs_of_a_killed_instance_reconnect_to_the_survivor_still_signed_in(shape_page, production_shape):
    offsets = production_shape.log_size()
    page = shape_page()
    page.add_init_script(SOCKET_OPENS_SCRIPT)
    open_sessions(page, email=unique_email("kit"), name="Kit")
    victim = production_shape.shape.instances[production_shape.instance_of_tab(tag(page), offsets)]
    page.get_by_test_id("new-session-button").click()
    expect(page.get_by_test_id("session-row")).to_have_count(2)
    older = int(page.get_by_test_id("session-row").nth(1).get_attribute("data-session-id"))

    try:
        killed_at = page.evaluate("() => performance.timeOrigin + performance.now()")
        victim.kill()
        page.wait_for_function("() => window.__socketOpens.length >= 2", timeout=2 * RECONNECTED_WITHIN_MS)
        latency_ms = page.evaluate("() => window.__socketOpens[1]") - killed_at
        assert latency_ms < RECONNECTED_WITHIN_MS, f"the tab reconnected after {latency_ms:.0f} ms"

        rename(page, older, "Renamed after the crash")
        expect(row(page, older).get_by_test_id("session-name")).to_have_text("Renamed after the crash")
        expect(page.get_by_test_id("sign-in-prompt")).to_have_count(0)
        page.reload()
        expect(page.get_by_test_id("session-row")).to_have_count(2)
        expect(row(page, older).get_by_test_id("session-name")).to_have_text("Renamed after the crash")
    finally:
        production_shape.shape.start_instance(victim)


def test_redis_outage_says_unavailable_changes_nothing_and_heals_without_a_restart(shape_page, production_shape):
    page, device = devices_on_both_instances(shape_page, unique_email("rhea"))
    session_id = first_session(page)
    before = stored_row(production_shape, session_id)
    row(page, session_id).get_by_test_id("rename-button").click()
    field = row(page, session_id).get_by_test_id("rename-input")
    expect(field).to_be_visible()
    late = shape_page(device.context)
    late.add_init_script(SEEN_TESTIDS_SCRIPT)
    cut_at = time.monotonic()
    production_shape.redis_proxy.cut()
    try:
        field.fill("Written during the Redis outage")
        field.press("Enter")
        notice = page.get_by_test_id("unexpected-error")
        expect(notice).to_contain_text("unavailable right now")
        expect(notice).to_contain_text("Nothing was changed")
        expect(page.get_by_test_id("protected-content")).to_be_visible()
        # A tab opened during the outage is told so too, not left with a spinner alone.
        late.goto("/sessions")
        expect(late.get_by_test_id("unexpected-error")).to_contain_text("unavailable right now")
        # The outage lasts its full 10 s: nothing reaches the database meanwhile.
        while time.monotonic() - cut_at < OUTAGE_S:
            assert stored_row(production_shape, session_id) == before
            page.wait_for_timeout(250)
    finally:
        restored_at = time.time() * 1000
        production_shape.redis_proxy.restore()

    # The refused tabs start afresh by themselves, signed in, without their notices.
    settled(late)
    recovery_ms = late.evaluate("() => window.__seen['protected-content']") - restored_at
    for tab in (page, late):
        expect(tab.get_by_test_id("unexpected-error")).to_have_count(0)
        settled(tab)
    assert stored_row(production_shape, session_id) == before
    expect(row(page, session_id).get_by_test_id("session-name")).to_have_text(before[0])
    # Each instance delivers the other's changes again: its pub/sub listener had given up.
    move_to_other_instance(page, device)
    rename(page, session_id, "Renamed after the Redis outage")
    expect(row(device, session_id).get_by_test_id("session-name")).to_have_text("Renamed after the Redis outage")
    rename(device, session_id, "Renamed back across instances")
    for tab in (page, late):
        expect(row(tab, session_id).get_by_test_id("session-name")).to_have_text("Renamed back across instances")
    assert stored_row(production_shape, session_id)[0] == "Renamed back across instances"
    assert recovery_ms < RECOVERED_WITHIN_MS, f"the late tab showed its content {recovery_ms:.0f} ms after Redis"
