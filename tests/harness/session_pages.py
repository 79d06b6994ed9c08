"""Helpers for the sessions browser tests and the sync benchmark: sign-in, DB, in-page timing."""

from __future__ import annotations

import json
import sqlite3

from playwright.sync_api import Locator, Page, expect

from tests.harness.helpers import db_rows, sign_in

# In-page clocks (epoch ms): when the user last pressed a key or clicked, and when an element
# with a given data-testid first showed a given text. Recorded by the page itself, so tab
# throttling of the test's polling never enters the numbers.
TIMING_SCRIPT = """
const now = () => performance.timeOrigin + performance.now();
for (const type of ['keydown', 'click']) {
  document.addEventListener(type, () => { window.__actedAt = now(); }, true);
}
window.__watchText = (testid, text) => {
  window.__textSeenAt = null;
  const check = () => {
    if (window.__textSeenAt !== null) return;
    for (const el of document.querySelectorAll(`[data-testid="${testid}"]`)) {
      if (el.textContent === text) {
        window.__textSeenAt = now();
        observer.disconnect();
        return;
      }
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document, {subtree: true, childList: true, characterData: true});
  check();
};
window.__watchAppearance = (testid) => {
  window.__appearedAt = null;
  const check = () => {
    if (window.__appearedAt === null && document.querySelector(`[data-testid="${testid}"]`)) {
      window.__appearedAt = now();
      observer.disconnect();
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document, {subtree: true, childList: true});
  check();
};
"""


def open_sessions(page: Page, *, email: str, name: str) -> None:
    """Sign in and land on /sessions with the list loaded."""
    sign_in(page, email=email, name=name, path="/sign-in?next=/sessions")
    expect(page.get_by_test_id("session-row").first).to_be_visible()


def session_rows(database_url: str, email: str) -> list[tuple]:
    """(id, name, status, settings, updated_at) of a user's sessions, newest first."""
    return db_rows(
        database_url,
        "SELECT s.id, s.name, s.status, s.settings, s.updated_at FROM sessions s"
        " JOIN users u ON u.id = s.user_id WHERE u.email = ? ORDER BY s.created_at DESC, s.id DESC",
        email,
    )


def settings_of(database_url: str, session_id: int) -> dict:
    """The stored settings JSON of one session."""
    return json.loads(db_rows(database_url, "SELECT settings FROM sessions WHERE id = ?", session_id)[0][0])


def add_sessions(database_url: str, owner_id: int, count: int, *, created_at: int = 1_600_000_000_000) -> None:
    """Insert sessions straight into the database (older than any made through the app)."""
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
        connection.executemany(
            "INSERT INTO sessions (user_id, name, status, settings, created_at, updated_at)"
            " VALUES (?, ?, 'active', '{}', ?, ?)",
            [(owner_id, f"Bulk {n:02d}", created_at + n, created_at + n) for n in range(count)],
        )


def row(page: Page, session_id: int) -> Locator:
    """The list row of one session."""
    return page.locator(f'[data-testid="session-row"][data-session-id="{session_id}"]')


def rename(page: Page, session_id: int, new_name: str) -> None:
    """Rename a session through its inline field, saving with Enter."""
    row(page, session_id).get_by_test_id("rename-button").click()
    field = row(page, session_id).get_by_test_id("rename-input")
    field.fill(new_name)
    field.press("Enter")


def watch_text(page: Page, testid: str, text: str) -> None:
    """Start recording, in the page, when an element `testid` first shows `text`."""
    page.evaluate("([testid, text]) => window.__watchText(testid, text)", [testid, text])


def watch_appearance(page: Page, testid: str) -> None:
    """Start recording, in the page, when an element `testid` next appears."""
    page.evaluate("(testid) => window.__watchAppearance(testid)", testid)


def appeared_at(page: Page) -> float:
    """When the watched element appeared (epoch ms, in-page clock); fails the test if it has not."""
    seen = page.evaluate("() => window.__appearedAt")
    assert seen is not None, "the watched element has not appeared"
    return seen


def text_seen_at(page: Page) -> float:
    """When the watched text appeared (epoch ms, in-page clock); fails the test if it has not."""
    seen = page.evaluate("() => window.__textSeenAt")
    assert seen is not None, "the watched text has not appeared"
    return seen


def acted_at(page: Page) -> float:
    """When the page last saw a key press or a click (epoch ms, in-page clock)."""
    return page.evaluate("() => window.__actedAt")
