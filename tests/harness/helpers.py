"""Browser-test helpers: signing in, in-page timing, direct DB checks, websocket forging."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import uuid
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from playwright.sync_api import Page, Response, WebSocketRoute, expect

T = TypeVar("T")
# A Socket.IO event frame on Reflex's `/_event` namespace.
EVENT_FRAME = "42/_event,"
# Records when each data-testid first appears, measured inside the page (not by test polling).
SEEN_TESTIDS_SCRIPT = """
window.__seen = {};
const record = () => {
  for (const el of document.querySelectorAll('[data-testid]')) {
    const id = el.getAttribute('data-testid');
    if (!(id in window.__seen)) window.__seen[id] = performance.timeOrigin + performance.now();
  }
};
new MutationObserver(record).observe(document, {subtree: true, childList: true, attributes: true});
"""


# Every email and session token the browser tests use: none of them may appear in a server log.
SECRETS: list[str] = []
# Any Content-Security-Policy violation in a page becomes a console error, which fails the test.
CSP_VIOLATION_SCRIPT = """
document.addEventListener('securitypolicyviolation', (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || 'inline code'}`);
});
"""


def unique_email(label: str) -> str:
    """A fresh user's email, so tests sharing one app never meet each other's users."""
    email = f"{label}-{uuid.uuid4().hex[:8]}@example.com"
    SECRETS.append(email)
    return email


def remember_tokens(response: Response) -> None:
    """Record the session tokens the dev provider hands a page (a response listener)."""
    if "/dev-auth/" not in response.url or response.request.method != "POST" or not response.ok:
        return
    try:
        token = response.json().get("token")
    except Exception:  # noqa: BLE001 - a body that is not JSON carries no token
        return
    if isinstance(token, str):
        SECRETS.append(token)


def sign_in(page: Page, *, email: str, name: str, path: str = "/sign-in") -> None:
    """Sign in through the dev provider's form and wait for the protected content."""
    page.goto(path)
    page.get_by_test_id("dev-sign-in-email").fill(email)
    page.get_by_test_id("dev-sign-in-name").fill(name)
    page.get_by_test_id("dev-sign-in-submit").click()
    expect(page.get_by_test_id("protected-content")).to_be_visible()


def reload_settled(page: Page) -> None:
    """Reload the page and wait until its on_load handlers have all run.

    An event sent before then can be overtaken by on_load (which resets page state).
    """
    page.reload()
    expect(page.get_by_test_id("page-loaded")).to_be_attached(timeout=15_000)


def seen(page: Page) -> dict[str, float]:
    """The in-page first-appearance times (epoch ms) of every data-testid."""
    return page.evaluate("() => window.__seen || {}")


def db_rows(database_url: str, sql: str, *params: object) -> list[tuple]:
    """Rows of a query against the app's SQLite database."""
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
        return connection.execute(sql, params).fetchall()


def eventually(read: Callable[[], T], expected: T, timeout_s: float = 10.0) -> T:
    """Poll `read` until it returns `expected` (for writes the server makes in the background)."""
    end = time.monotonic() + timeout_s
    value = read()
    while value != expected and time.monotonic() < end:
        time.sleep(0.05)
        value = read()
    assert value == expected
    return value


def user_id(database_url: str, email: str) -> int:
    """The `users.id` of a signed-in user."""
    return db_rows(database_url, "SELECT id FROM users WHERE email = ?", email)[0][0]


@dataclass
class SocketTap:
    """Forwards a page's Reflex websocket, records its text frames, and can inject frames."""

    sent: list[str] = field(default_factory=list)
    received: list[str] = field(default_factory=list)
    route: WebSocketRoute | None = None
    server: WebSocketRoute | None = None
    connections: int = 0

    def attach(self, page: Page) -> None:
        def handle(route: WebSocketRoute) -> None:
            server = route.connect_to_server()
            self.connections += 1

            def forward(message: str | bytes) -> None:
                if isinstance(message, str):
                    self.sent.append(message)
                server.send(message)

            def back(message: str | bytes) -> None:
                if isinstance(message, str):
                    self.received.append(message)
                route.send(message)

            route.on_message(forward)
            server.on_message(back)
            self.route, self.server = route, server

        page.route_web_socket("**/_event/**", handle)

    def drop(self) -> None:
        """Break the page's websocket at both ends, as a network fault would; the page reconnects."""
        assert self.route is not None and self.server is not None, "the page has no websocket yet"
        self.server.close()
        self.route.close(code=1001, reason="dropped by the test")

    def wait_for_sent(self, page: Page, handler: str, *, start: int = 0, timeout_ms: int = 5_000) -> None:
        """Wait until the page has sent an event of `handler` among its frames from `start` on.

        The tap hears frames only while Playwright runs, so the wait pumps the page's own loop.
        """
        end = time.monotonic() + timeout_ms / 1000
        while not any(handler in frame for frame in self.sent[start:]):
            assert time.monotonic() < end, f"the page sent no {handler} within {timeout_ms} ms"
            page.wait_for_timeout(50)

    def event_name_for(self, handler: str) -> str:
        """The full event name of a handler the page has sent, e.g. `...auth_state.set_session_token`."""
        for frame in self.sent:
            if frame.startswith(EVENT_FRAME) and handler in frame:
                return json.loads(frame[len(EVENT_FRAME) :])[1]["name"]
        raise AssertionError(f"the page never sent {handler}")

    def forge(self, name: str, payload: dict) -> None:
        """Send an event over the page's own socket, as a tampering browser could.

        It carries the route of the page's own latest event: an event with none (or another)
        moves the tab's route on the server, and the page then loads its own route again.
        """
        self.send_raw(json.dumps(["event", {"name": name, "payload": payload, "router_data": self._route()}]))

    def _route(self) -> dict:
        for frame in reversed(self.sent):
            if frame.startswith(EVENT_FRAME):
                route = json.loads(frame[len(EVENT_FRAME) :])[1].get("router_data")
                if route:
                    return route
        return {}

    def send_raw(self, packet: str) -> None:
        """Send any Socket.IO event packet (the JSON after the namespace) over the page's socket."""
        assert self.server is not None, "the page has no websocket yet"
        self.server.send(EVENT_FRAME + packet)


def run_beside_playwright(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run async code (raw sockets) beside Playwright's own loop, on a thread of its own."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
