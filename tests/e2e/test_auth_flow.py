"""Signing in and out in the browser, with the real app and its dev identity provider."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.harness.helpers import SEEN_TESTIDS_SCRIPT, db_rows, eventually, seen, sign_in, unique_email, user_id


def test_sign_in_shows_spinner_then_protected_content_and_records_user(new_page, app_server):
    page = new_page()
    page.add_init_script(SEEN_TESTIDS_SCRIPT)
    email = unique_email("ada")
    page.goto("/sign-in")
    page.get_by_test_id("dev-sign-in-email").fill(email)
    page.get_by_test_id("dev-sign-in-name").fill("Ada Lovelace")
    page.get_by_test_id("dev-sign-in-submit").click()

    expect(page).to_have_url(re.compile(r"/dashboard/?$"))
    expect(page.get_by_test_id("user-name")).to_have_text("Ada Lovelace")
    expect(page.get_by_test_id("user-email")).to_have_text(email)
    times = seen(page)
    assert times["auth-loading"] < times["protected-content"]
    rows = db_rows(app_server.database_url, "SELECT name, email, token_identifier FROM users WHERE email = ?", email)
    assert len(rows) == 1
    assert rows[0][0] == "Ada Lovelace"
    assert rows[0][2].startswith(f"{app_server.url}/dev-auth|user_")
    welcome = db_rows(
        app_server.database_url,
        "SELECT s.name FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = ?",
        email,
    )
    assert welcome == [("Welcome Session",)]


def test_reload_keeps_user_signed_in(new_page):
    page = new_page()
    sign_in(page, email=unique_email("grace"), name="Grace Hopper")
    page.reload()
    expect(page.get_by_test_id("user-name")).to_have_text("Grace Hopper")
    expect(page.get_by_test_id("sign-in-prompt")).to_have_count(0)


def test_sign_out_returns_to_prompt_and_second_tab_follows_within_two_seconds(new_page):
    first = new_page()
    first.add_init_script(SEEN_TESTIDS_SCRIPT)
    sign_in(first, email=unique_email("alan"), name="Alan Turing")
    second = first.context.new_page()
    second.add_init_script(SEEN_TESTIDS_SCRIPT)
    second.goto("/dashboard")
    expect(second.get_by_test_id("user-name")).to_have_text("Alan Turing")
    second.evaluate("() => { window.__seen = {}; }")

    clicked_at = first.evaluate("() => performance.timeOrigin + performance.now()")
    first.get_by_test_id("sign-out-button").click()

    expect(first.get_by_test_id("sign-in-prompt")).to_be_visible()
    expect(second.get_by_test_id("sign-in-prompt")).to_be_visible()
    followed_at = seen(second)["sign-in-prompt"]
    assert followed_at - clicked_at < 2000
    expect(second.get_by_test_id("protected-content")).to_have_count(0)


def test_protected_page_redirects_signed_out_user_and_returns_after_sign_in(new_page, app_server):
    page = new_page()
    page.add_init_script(SEEN_TESTIDS_SCRIPT)
    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/sign-in/?\?next=/dashboard/?$"))
    assert "protected-content" not in seen(page)
    assert "user-name" not in seen(page)

    page.get_by_test_id("dev-sign-in-email").fill(unique_email("ida"))
    page.get_by_test_id("dev-sign-in-name").fill("Ida Rhodes")
    page.get_by_test_id("dev-sign-in-submit").click()
    expect(page).to_have_url(re.compile(r"/dashboard/?$"))
    expect(page.get_by_test_id("user-name")).to_have_text("Ida Rhodes")


def test_expired_token_that_is_not_refreshed_drops_to_sign_in_prompt(new_page, page_errors, app_server):
    page_errors.allow("Failed to load resource")
    page, email = new_page(), unique_email("kay")
    sign_in(page, email=email, name="Kay McNulty")
    # The provider stops answering refreshes: the 15 s token (plus 2 s skew) runs out on the server.
    page.route("**/dev-auth/tokens", lambda route: route.abort())
    expect(page.get_by_test_id("sign-in-prompt")).to_be_visible(timeout=40_000)
    expect(page.get_by_test_id("protected-content")).to_have_count(0)
    kinds = "SELECT kind FROM auth_events WHERE user_id = ? ORDER BY id"
    eventually(
        lambda: db_rows(app_server.database_url, kinds, user_id(app_server.database_url, email)),
        [("sign_in",), ("session_expired",)],
    )
