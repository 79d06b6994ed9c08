"""Live sync: every tab of a user follows a change within a second; nobody else hears of it."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.harness.helpers import SocketTap, unique_email
from tests.harness.session_pages import (
    TIMING_SCRIPT,
    acted_at,
    open_sessions,
    rename,
    row,
    session_rows,
    text_seen_at,
    watch_text,
)


def test_rename_in_one_tab_shows_in_the_users_other_tabs_within_one_second(new_page, app_server):
    first = new_page()
    first.add_init_script(TIMING_SCRIPT)
    email = unique_email("tess")
    open_sessions(first, email=email, name="Tess")
    session_id = session_rows(app_server.database_url, email)[0][0]
    second = first.context.new_page()
    second.add_init_script(TIMING_SCRIPT)
    second.goto("/sessions")
    expect(row(second, session_id)).to_be_visible()
    dashboard = first.context.new_page()
    dashboard.goto("/dashboard")
    expect(dashboard.get_by_test_id("dashboard-count-total")).to_have_text("1")

    watch_text(second, "session-name", "Renamed in tab one")
    rename(first, session_id, "Renamed in tab one")

    expect(row(second, session_id).get_by_test_id("session-name")).to_have_text("Renamed in tab one")
    latency_ms = text_seen_at(second) - acted_at(first)
    assert 0 < latency_ms < 1000, f"tab two showed the rename after {latency_ms:.0f} ms"

    first.get_by_test_id("new-session-button").click()
    expect(second.get_by_test_id("session-row")).to_have_count(2)
    expect(second.get_by_test_id("count-total")).to_have_text("2")
    expect(dashboard.get_by_test_id("dashboard-count-total")).to_have_text("2")


def test_another_users_tab_receives_nothing_of_the_change(new_page, app_server):
    alice = new_page()
    alice_email = unique_email("alice")
    open_sessions(alice, email=alice_email, name="Alice")
    alice_session = session_rows(app_server.database_url, alice_email)[0][0]
    bob = new_page()
    tap = SocketTap()
    tap.attach(bob)
    open_sessions(bob, email=unique_email("bob"), name="Bob")
    alice_tab = alice.context.new_page()
    alice_tab.goto("/sessions")
    expect(row(alice_tab, alice_session)).to_be_visible()

    rename(alice, alice_session, "Alice private plans")
    alice.get_by_test_id("new-session-button").click()
    expect(alice_tab.get_by_test_id("session-row")).to_have_count(2)
    expect(row(alice_tab, alice_session).get_by_test_id("session-name")).to_have_text("Alice private plans")

    assert not [frame for frame in tap.received if "Alice private plans" in frame]
    expect(bob.get_by_test_id("session-row")).to_have_count(1)
    expect(bob.get_by_test_id("count-total")).to_have_text("1")
    expect(bob.get_by_text("Alice private plans")).to_have_count(0)


def test_signed_out_device_stops_receiving_the_users_changes(new_page, app_server):
    email = unique_email("sid")
    laptop = new_page()
    open_sessions(laptop, email=email, name="Sid")
    session_id = session_rows(app_server.database_url, email)[0][0]
    phone = new_page()
    tap = SocketTap()
    tap.attach(phone)
    open_sessions(phone, email=email, name="Sid")
    rename(laptop, session_id, "Seen while signed in")
    expect(row(phone, session_id).get_by_test_id("session-name")).to_have_text("Seen while signed in")

    phone.get_by_test_id("sign-out-button").click()
    expect(phone.get_by_test_id("dev-sign-in-email")).to_be_visible()
    heard_before = len(tap.received)
    rename(laptop, session_id, "Said after sign-out")
    laptop.get_by_test_id("new-session-button").click()
    expect(laptop.get_by_test_id("count-total")).to_have_text("2")

    later = "".join(tap.received[heard_before:]).replace(" ", "")
    assert "Said after sign-out" not in later
    assert '"total":2' not in later
