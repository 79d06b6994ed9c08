"""Convergence: a tab that missed a change (a lost delivery) catches up at its next check.

The changes here are written straight into the database, so no tab is told of them: exactly
what a tab sees when a delivery is lost on the way.
"""

from __future__ import annotations

import sqlite3

from playwright.sync_api import expect

from tests.harness.helpers import SocketTap, unique_email, user_id
from tests.harness.session_pages import add_sessions, open_sessions, row, session_rows

# Longer than a refresh of the tests' 15-second dev tokens, which is one of the checks.
CATCH_UP_TIMEOUT_MS = 20_000
RECONNECT_TIMEOUT_MS = 5_000


def rename_behind_the_apps_back(database_url: str, session_id: int, name: str) -> None:
    """Rename a session in the database, with a newer version, telling no tab."""
    with sqlite3.connect(database_url.removeprefix("sqlite:///")) as connection:
        connection.execute("UPDATE sessions SET name = ?, updated_at = updated_at + 1 WHERE id = ?", (name, session_id))


def test_tab_that_missed_a_change_catches_up_at_its_next_token(new_page, app_server):
    page = new_page()
    email = unique_email("cora")
    open_sessions(page, email=email, name="Cora")
    session_id = session_rows(app_server.database_url, email)[0][0]
    dashboard = page.context.new_page()
    dashboard.goto("/dashboard")
    expect(dashboard.get_by_test_id("dashboard-count-total")).to_have_text("1")

    rename_behind_the_apps_back(app_server.database_url, session_id, "Renamed while nobody listened")
    add_sessions(app_server.database_url, user_id(app_server.database_url, email), 2)

    expect(row(page, session_id).get_by_test_id("session-name")).to_have_text(
        "Renamed while nobody listened", timeout=CATCH_UP_TIMEOUT_MS
    )
    expect(page.get_by_test_id("session-row")).to_have_count(3)
    expect(page.get_by_test_id("count-total")).to_have_text("3")
    expect(dashboard.get_by_test_id("dashboard-count-total")).to_have_text("3", timeout=CATCH_UP_TIMEOUT_MS)
    assert len(session_rows(app_server.database_url, email)) == 3


def test_tab_catches_up_when_its_websocket_reconnects(new_page, app_server):
    page = new_page()
    tap = SocketTap()
    tap.attach(page)
    email = unique_email("remy")
    open_sessions(page, email=email, name="Remy")
    session_id = session_rows(app_server.database_url, email)[0][0]
    sent_before = len(tap.sent)

    rename_behind_the_apps_back(app_server.database_url, session_id, "Renamed during the outage")
    tap.drop()

    # Well within a refresh of the 15-second token: the new connection itself brought the check.
    expect(row(page, session_id).get_by_test_id("session-name")).to_have_text(
        "Renamed during the outage", timeout=RECONNECT_TIMEOUT_MS
    )
    assert tap.connections == 2
    # The new connection's on_load may show the change before the re-sent token arrives.
    tap.wait_for_sent(page, "set_session_token", start=sent_before, timeout_ms=RECONNECT_TIMEOUT_MS)
    expect(page.get_by_test_id("protected-content")).to_be_visible()
    expect(page.get_by_test_id("sign-in-prompt")).to_have_count(0)
