"""The /sessions page in one tab: create, rename, settings, lifecycle, filter, delete, paging."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.harness.helpers import unique_email, user_id
from tests.harness.session_pages import (
    add_sessions,
    open_sessions,
    rename,
    row,
    session_rows,
    settings_of,
)


def _signed_in(new_page, app_server, label: str) -> tuple[Page, str, int]:
    """A new user on /sessions: the page, their email and their Welcome Session's id."""
    page = new_page()
    email = unique_email(label)
    open_sessions(page, email=email, name=label.title())
    return page, email, session_rows(app_server.database_url, email)[0][0]


def _add_session(page: Page, expected_rows: int) -> None:
    page.get_by_test_id("new-session-button").click()
    expect(page.get_by_test_id("session-row")).to_have_count(expected_rows)


def test_new_session_is_listed_first_as_active_and_counted(new_page, app_server):
    page, email, _ = _signed_in(new_page, app_server, "nora")
    _add_session(page, 2)

    first = page.get_by_test_id("session-row").first
    expect(first.get_by_test_id("session-name")).to_have_text(re.compile(r"^Session \w{3} \d{1,2}, \d{4}$"))
    expect(first.get_by_test_id("session-status")).to_have_text("active")
    expect(page.get_by_test_id("count-active")).to_have_text("2")
    expect(page.get_by_test_id("count-total")).to_have_text("2")
    newest = session_rows(app_server.database_url, email)[0]
    expect(first).to_have_attribute("data-session-id", str(newest[0]))


def test_rename_saves_on_enter_escape_cancels_and_bad_name_shows_error(new_page, app_server):
    page, email, session_id = _signed_in(new_page, app_server, "rita")

    rename(page, session_id, "  Research notes  ")
    expect(row(page, session_id).get_by_test_id("session-name")).to_have_text("Research notes")
    assert session_rows(app_server.database_url, email)[0][1] == "Research notes"

    row(page, session_id).get_by_test_id("rename-button").click()
    row(page, session_id).get_by_test_id("rename-input").fill("Never saved")
    row(page, session_id).get_by_test_id("rename-input").press("Escape")
    expect(row(page, session_id).get_by_test_id("rename-input")).to_have_count(0)
    expect(row(page, session_id).get_by_test_id("session-name")).to_have_text("Research notes")

    rename(page, session_id, "   ")
    expect(page.get_by_test_id("session-error")).to_contain_text("Name must be 1 to 100 characters")
    assert session_rows(app_server.database_url, email)[0][1] == "Research notes"


def _choose(page: Page, session_id: int, testid: str, option: str) -> None:
    row(page, session_id).get_by_test_id(testid).click()
    page.get_by_role("option", name=option, exact=True).click()


def test_settings_controls_follow_control_mode_and_changes_are_stored(new_page, app_server):
    page, _, session_id = _signed_in(new_page, app_server, "sam")
    row(page, session_id).get_by_test_id("settings-button").click()
    panel = row(page, session_id).get_by_test_id("settings-panel")
    max_tokens = panel.get_by_test_id("setting-max-tokens").get_by_role("slider")

    # balanced: model and temperature only
    expect(panel.get_by_test_id("setting-model")).to_be_enabled()
    expect(max_tokens).to_have_attribute("data-disabled", "")
    _choose(page, session_id, "setting-model", "gpt-4")
    expect(panel.get_by_test_id("setting-model")).to_have_text("gpt-4")
    assert settings_of(app_server.database_url, session_id)["model"] == "gpt-4"

    # hands-free: nothing but the control mode
    _choose(page, session_id, "setting-control-mode", "hands-free")
    expect(panel.get_by_test_id("settings-hint")).to_contain_text("Hands-free")
    expect(panel.get_by_test_id("setting-model")).to_be_disabled()

    # full-control: every setting, max_tokens stored as an int
    _choose(page, session_id, "setting-control-mode", "full-control")
    expect(max_tokens).not_to_have_attribute("data-disabled", "")
    max_tokens.focus()
    max_tokens.press("ArrowRight")
    expect(panel.get_by_test_id("value-max-tokens")).to_have_text("2176")
    stored = settings_of(app_server.database_url, session_id)
    assert stored["max_tokens"] == 2176 and isinstance(stored["max_tokens"], int)
    assert stored["control_mode"] == "full-control"


def test_archive_filter_and_unarchive(new_page, app_server):
    page, email, welcome = _signed_in(new_page, app_server, "ava")
    _add_session(page, 2)

    row(page, welcome).get_by_test_id("archive-button").click()
    expect(row(page, welcome).get_by_test_id("session-status")).to_have_text("archived")
    expect(row(page, welcome).get_by_test_id("rename-button")).to_have_count(0)
    expect(page.get_by_test_id("count-archived")).to_have_text("1")
    expect(page.get_by_test_id("count-active")).to_have_text("1")

    page.get_by_test_id("filter-archived").click()
    expect(page.get_by_test_id("session-row")).to_have_count(1)
    expect(row(page, welcome)).to_be_visible()
    page.get_by_test_id("filter-active").click()
    expect(page.get_by_test_id("session-row")).to_have_count(1)
    expect(row(page, welcome)).to_have_count(0)

    page.get_by_test_id("filter-all").click()
    row(page, welcome).get_by_test_id("unarchive-button").click()
    expect(row(page, welcome).get_by_test_id("session-status")).to_have_text("active")
    assert session_rows(app_server.database_url, email)[1][2] == "active"


def test_pause_resume_and_duplicate(new_page, app_server):
    page, _, welcome = _signed_in(new_page, app_server, "paul")

    row(page, welcome).get_by_test_id("pause-button").click()
    expect(row(page, welcome).get_by_test_id("session-status")).to_have_text("paused")
    row(page, welcome).get_by_test_id("resume-button").click()
    expect(row(page, welcome).get_by_test_id("session-status")).to_have_text("active")

    row(page, welcome).get_by_test_id("duplicate-button").click()
    expect(page.get_by_test_id("session-row")).to_have_count(2)
    copy = page.get_by_test_id("session-row").first
    expect(copy.get_by_test_id("session-name")).to_have_text("Welcome Session (Copy)")
    expect(copy.get_by_test_id("session-status")).to_have_text("paused")


def test_delete_asks_first_and_last_session_is_refused(new_page, app_server):
    page, email, welcome = _signed_in(new_page, app_server, "dora")
    _add_session(page, 2)

    row(page, welcome).get_by_test_id("delete-button").click()
    expect(page.get_by_role("alertdialog")).to_contain_text("Welcome Session")
    page.get_by_test_id("cancel-delete-button").click()
    expect(page.get_by_role("alertdialog")).to_have_count(0)
    assert len(session_rows(app_server.database_url, email)) == 2

    row(page, welcome).get_by_test_id("delete-button").click()
    page.get_by_test_id("confirm-delete-button").click()
    expect(page.get_by_test_id("session-row")).to_have_count(1)
    expect(row(page, welcome)).to_have_count(0)
    remaining = session_rows(app_server.database_url, email)
    assert len(remaining) == 1 and remaining[0][0] != welcome

    row(page, remaining[0][0]).get_by_test_id("delete-button").click()
    page.get_by_test_id("confirm-delete-button").click()
    expect(page.get_by_test_id("session-error")).to_contain_text("You cannot delete your last session")
    assert len(session_rows(app_server.database_url, email)) == 1


def test_load_more_appends_pages_of_twenty(new_page, app_server):
    page, email, _ = _signed_in(new_page, app_server, "lou")
    add_sessions(app_server.database_url, user_id(app_server.database_url, email), 24)
    page.reload()

    expect(page.get_by_test_id("session-row")).to_have_count(20)
    page.get_by_test_id("load-more").click()
    expect(page.get_by_test_id("session-row")).to_have_count(25)
    expect(page.get_by_test_id("load-more")).to_have_count(0)
    names = page.get_by_test_id("session-name").all_inner_texts()
    assert names[0] == "Welcome Session" and names[-1] == "Bulk 00"
    assert len(set(names)) == 25
