"""The user's own account actions: sign out everywhere, delete my account, download my data."""

from __future__ import annotations

import json
import re

from playwright.sync_api import Page, expect
from reflex_base.utils.format import format_event_handler

from smnb_app.web.account.state import AccountState
from tests.harness.helpers import SocketTap, db_rows, sign_in, unique_email, user_id
from tests.harness.session_pages import TIMING_SCRIPT, acted_at, appeared_at, session_rows, watch_appearance

SIGNED_OUT_WITHIN_MS = 2000
# The ended sessions' next token refresh: the dev provider answers 401, which Chromium logs.
PROVIDER_REFUSES_ENDED_SESSION = "the server responded with a status of 401"


def signed_in_dashboard(page: Page, email: str, name: str) -> Page:
    page.add_init_script(TIMING_SCRIPT)
    sign_in(page, email=email, name=name, path="/sign-in?next=/dashboard")
    return page


def another_tab(page: Page, path: str = "/dashboard") -> Page:
    tab = page.context.new_page()
    tab.add_init_script(TIMING_SCRIPT)
    tab.goto(path)
    expect(tab.get_by_test_id("protected-content")).to_be_visible()
    return tab


def test_sign_out_everywhere_signs_out_every_device_and_tab_within_two_seconds(new_page, app_server, page_errors):
    page_errors.allow(PROVIDER_REFUSES_ENDED_SESSION)
    email = unique_email("everywhere")
    acting = signed_in_dashboard(new_page(), email, "Everywhere")
    same_browser = another_tab(acting, "/sessions")
    other_device = signed_in_dashboard(new_page(), email, "Everywhere")
    stranger = signed_in_dashboard(new_page(), unique_email("stranger"), "Stranger")
    others = [same_browser, other_device]
    for page in others:
        watch_appearance(page, "sign-in-prompt")

    acting.get_by_test_id("sign-out-everywhere").click()

    for page in [acting, *others]:
        expect(page.get_by_test_id("sign-in-prompt")).to_be_visible()
        expect(page.get_by_test_id("protected-content")).to_have_count(0)
    latencies = [appeared_at(page) - acted_at(acting) for page in others]
    assert all(0 < latency < SIGNED_OUT_WITHIN_MS for latency in latencies), latencies
    expect(stranger.get_by_test_id("protected-content")).to_be_visible()
    revoked = db_rows(
        app_server.database_url,
        "SELECT count(*) FROM revocations WHERE kind = 'session' AND reason = 'sign_out_everywhere'",
    )[0][0]
    assert revoked >= 2
    # The provider ended both sign-ins too: a reload does not sign the devices back in.
    other_device.reload()
    expect(other_device.get_by_test_id("sign-in-prompt")).to_be_visible()


def test_delete_my_account_asks_for_the_email_then_deletes_everything_and_signs_out(new_page, app_server, page_errors):
    page_errors.allow(PROVIDER_REFUSES_ENDED_SESSION)
    email, bystander_email = unique_email("leaving"), unique_email("staying")
    page = signed_in_dashboard(new_page(), email, "Leaving")
    other_device = signed_in_dashboard(new_page(), email, "Leaving")
    bystander = signed_in_dashboard(new_page(), bystander_email, "Staying")
    bystander_rows = session_rows(app_server.database_url, bystander_email)
    leaving = user_id(app_server.database_url, email)

    page.get_by_test_id("delete-account").click()
    page.get_by_test_id("delete-account-confirm").fill("someone-else@example.com")
    page.get_by_test_id("delete-account-submit").click()
    expect(page.get_by_test_id("account-error")).to_contain_text(f"Type {email} exactly to confirm.")
    assert len(session_rows(app_server.database_url, email)) == 1

    watch_appearance(other_device, "sign-in-prompt")
    page.get_by_test_id("delete-account-confirm").fill(email.upper())
    page.get_by_test_id("delete-account-submit").click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_test_id("sign-in-prompt")).to_be_visible()
    expect(other_device.get_by_test_id("sign-in-prompt")).to_be_visible()
    assert 0 < appeared_at(other_device) - acted_at(page) < SIGNED_OUT_WITHIN_MS
    assert db_rows(app_server.database_url, "SELECT id FROM users WHERE id = ?", leaving) == []
    assert db_rows(app_server.database_url, "SELECT id FROM sessions WHERE user_id = ?", leaving) == []
    assert session_rows(app_server.database_url, bystander_email) == bystander_rows
    expect(bystander.get_by_test_id("protected-content")).to_be_visible()


def test_download_my_data_holds_everything_of_the_user_and_nothing_of_anyone_else(new_page, app_server, tmp_path):
    email, stranger_email = unique_email("exporter"), unique_email("private")
    stranger = signed_in_dashboard(new_page(), stranger_email, "Private Person")
    page = signed_in_dashboard(new_page(), email, "Exporter")

    with page.expect_download() as download:
        page.get_by_test_id("download-my-data").click()
    path = tmp_path / "export.json"
    download.value.save_as(path)
    document = json.loads(path.read_text())

    assert download.value.suggested_filename == "smnb-my-data.json"
    assert (document["user"]["email"], document["user"]["name"]) == (email, "Exporter")
    assert [session["name"] for session in document["sessions"]] == ["Welcome Session"]
    assert document["sessions"][0]["settings"]["model"] == "claude-3-sonnet"
    assert [sign_in_row["ip"] for sign_in_row in document["sign_ins"]] == ["127.0.0.1"]
    text = path.read_text()
    assert stranger_email not in text and "Private Person" not in text
    expect(stranger.get_by_test_id("protected-content")).to_be_visible()


def test_two_tabs_signing_out_everywhere_at_once_both_finish(new_page, page_errors):
    page_errors.allow(PROVIDER_REFUSES_ENDED_SESSION)
    email = unique_email("twice")
    pages, taps = [new_page(), new_page()], [SocketTap(), SocketTap()]
    for page, tap in zip(pages, taps, strict=True):
        tap.attach(page)
        signed_in_dashboard(page, email, "Twice")
    first, second = pages
    # Each tab waits for the other's sign-out while running its own: sent back to back.
    sign_out_everywhere = format_event_handler(AccountState.event_handlers["sign_out_everywhere"])
    for tap in taps:
        tap.forge(sign_out_everywhere, {})

    for page in (first, second):
        expect(page.get_by_test_id("sign-in-prompt")).to_be_visible()
        expect(page.get_by_test_id("protected-content")).to_have_count(0)
