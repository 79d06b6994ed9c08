"""Forged websocket events that name another user's session change nothing and reveal nothing."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.harness.helpers import SocketTap, reload_settled, unique_email
from tests.harness.session_pages import open_sessions, rename, row, session_rows


def test_forged_events_naming_another_users_session_change_nothing(new_page, app_server):
    victim_email = unique_email("victor")
    victim = new_page()
    open_sessions(victim, email=victim_email, name="Victor")
    victim_session = session_rows(app_server.database_url, victim_email)[0][0]
    rename(victim, victim_session, "Victor's secret plans")
    expect(row(victim, victim_session).get_by_test_id("session-name")).to_have_text("Victor's secret plans")
    target = session_rows(app_server.database_url, victim_email)[0]

    page = new_page()
    tap = SocketTap()
    tap.attach(page)
    attacker_email = unique_email("eve")
    open_sessions(page, email=attacker_email, name="Eve")
    state = tap.event_name_for("ensure_loaded").rsplit(".", 1)[0]
    reload_settled(page)
    expect(page.get_by_test_id("session-row")).to_have_count(1)
    settled = len(tap.sent)
    forgeries = [
        ("start_rename", {"session_id": target[0]}),
        ("save_rename", {"form_data": {"name": "pwned"}}),
        ("change_setting", {"session_id": target[0], "key": "temperature", "value": [1.9]}),
        ("change_status", {"session_id": target[0], "status": "archived"}),
        ("duplicate", {"session_id": target[0]}),
        ("ask_delete", {"session_id": target[0]}),
        ("confirm_delete", {}),
    ]
    for handler, payload in forgeries:
        tap.forge(f"{state}.{handler}", payload)
        if handler in ("save_rename", "change_setting", "change_status", "duplicate", "confirm_delete"):
            expect(page.get_by_test_id("session-error")).to_contain_text("Session not found")
            page.get_by_test_id("dismiss-error").click()
            expect(page.get_by_test_id("session-error")).to_have_count(0)

    # Dismissing an error is not a navigation: the page's on_load never ran again.
    assert not [frame for frame in tap.sent[settled:] if "on_load_internal" in frame]
    assert session_rows(app_server.database_url, victim_email) == [target]
    assert len(session_rows(app_server.database_url, attacker_email)) == 1
    expect(page.get_by_test_id("session-row")).to_have_count(1)
    expect(page.get_by_text("Victor")).to_have_count(0)
    assert not [frame for frame in tap.received if "secret plans" in frame]
    expect(row(victim, target[0]).get_by_test_id("session-status")).to_have_text("active")
