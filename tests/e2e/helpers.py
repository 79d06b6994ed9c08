"""Browser-test helpers: signing in, in-page timing, direct DB checks, websocket forging."""

from __future__ import annotations

import json
import uuid
import sqlite3
from dataclasses import dataclass, field

from playwright.sync_api import Page, WebSocketRoute, expect

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


def unique_email(label: str) -> str:
    """A fresh user's email, so tests sharing one app never meet each other's users."""
    return f"{label}-{uuid.uuid4().hex[:8]}@example.com"


def sign_in(page: Page, *, email: str, name: str, path: str = "/sign-in") -> None:
    """Sign in through the dev provider's form and wait for the protected content."""
    page.goto(path)
    page.get_by_test_id("dev-sign-in-email").fill(email)
    page.get_by_test_id("dev-sign-in-name").fill(name)
    page.get_by_test_id("dev-sign-in-submit").click()
    expect(page.get_by_test_id("protected-content")).to_be_visible()


def seen(page: Page) -> dict[str, float]:
    """The in-page first-appearance times (epoch ms) of every data-testid."""
    return page.evaluate("() => window.__seen || {}")


def db_rows(database_url: str, sql: str, *params: object) -> list[tuple]:
    """Rows of a query against the app's SQLite database."""
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
        return connection.execute(sql, params).fetchall()


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

    def attach(self, page: Page) -> None:
        def handle(route: WebSocketRoute) -> None:
            server = route.connect_to_server()

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

    def event_name_for(self, handler: str) -> str:
        """The full event name of a handler the page has sent, e.g. `...auth_state.set_session_token`."""
        for frame in self.sent:
            if frame.startswith(EVENT_FRAME) and handler in frame:
                return json.loads(frame[len(EVENT_FRAME):])[1]["name"]
        raise AssertionError(f"the page never sent {handler}")

    def forge(self, name: str, payload: dict) -> None:
        """Send an event over the page's own socket, as a tampering browser could."""
        assert self.server is not None, "the page has no websocket yet"
        self.server.send(EVENT_FRAME + json.dumps(["event", {"name": name, "payload": payload}]))
