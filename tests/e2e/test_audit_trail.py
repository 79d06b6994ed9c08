"""The audit trail: sign-ins once per sign-in (not per tab or refresh), shown to their user only."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.harness.helpers import db_rows, eventually, sign_in, unique_email, user_id


def events(app_server, email: str) -> list[tuple[str, str]]:
    return db_rows(
        app_server.database_url,
        "SELECT kind, ip FROM auth_events WHERE user_id = ? ORDER BY id",
        user_id(app_server.database_url, email),
    )


def test_the_dashboard_lists_the_users_recent_sign_ins_and_nobody_elses(new_page, app_server):
    email = unique_email("historian")
    first = new_page()
    sign_in(first, email=email, name="Historian")
    second = new_page()
    sign_in(second, email=email, name="Historian")
    stranger = new_page()
    sign_in(stranger, email=unique_email("stranger"), name="Stranger")
    # Another tab of the same browser shares its sign-in: no new row.
    same_browser = first.context.new_page()
    same_browser.goto("/dashboard")
    expect(same_browser.get_by_test_id("protected-content")).to_be_visible()

    rows = same_browser.get_by_test_id("recent-sign-in")
    expect(rows).to_have_count(2)
    for index in range(2):
        expect(rows.nth(index)).to_contain_text("Chrome")
        expect(rows.nth(index)).to_contain_text("Linux")
        expect(rows.nth(index)).to_contain_text("127.0.0.1")
    assert events(app_server, email) == [("sign_in", "127.0.0.1")] * 2
    expect(stranger.get_by_test_id("recent-sign-in")).to_have_count(1)


def test_sign_out_is_recorded_once(new_page, app_server):
    page, email = new_page(), unique_email("leaver")
    sign_in(page, email=email, name="Leaver")
    other_tab = page.context.new_page()
    other_tab.goto("/dashboard")
    expect(other_tab.get_by_test_id("protected-content")).to_be_visible()

    page.get_by_test_id("sign-out-button").click()

    expect(other_tab.get_by_test_id("sign-in-prompt")).to_be_visible()
    expect(page.get_by_test_id("dev-sign-in-email")).to_be_visible()
    eventually(lambda: [kind for kind, _ in events(app_server, email)], ["sign_in", "sign_out"])
