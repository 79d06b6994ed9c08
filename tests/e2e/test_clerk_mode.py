"""Clerk mode, offline: the real app configured for Clerk, with Clerk's browser SDK stubbed."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, WebSocketRoute, expect

from smnb_app.providers.dev.issuer import TokenIssuer
from tests.harness.clerk_fapi import CLERK_JS_URL, CLERK_UI_URL, FRONTEND_API, ISSUER, user_id_for
from tests.harness.clerk_pages import sign_in_with_clerk, unique_clerk_email
from tests.harness.helpers import db_rows
from tests.support.auth import signing_key

FOREIGN_ORIGIN = "https://evil.example.test"


def token_fetches(page: Page) -> int:
    """How many session tokens the page's Clerk SDK has fetched."""
    return page.evaluate("() => window.Clerk.__stub.tokenFetches")


def test_clerk_js_and_its_ui_bundle_load_from_the_frontend_api(clerk_page):
    page = clerk_page()
    scripts: list[str] = []
    page.on("request", lambda request: request.resource_type == "script" and scripts.append(request.url))
    page.goto("/sign-in")

    # The sign-in form is the UI bundle's: it shows only once clerk-js has loaded and mounted it.
    expect(page.get_by_test_id("clerk-stub-sign-in-email")).to_be_visible()
    assert [url for url in scripts if FRONTEND_API in url] == [CLERK_JS_URL, CLERK_UI_URL]


def test_sign_in_through_clerk_shows_protected_content_and_records_the_user(clerk_page, clerk_app_server):
    page = clerk_page()
    email = unique_clerk_email("ada.lovelace")
    sign_in_with_clerk(page, email)

    expect(page).to_have_url(re.compile(r"/dashboard/?$"))
    expect(page.get_by_test_id("protected-content")).to_be_visible()
    expect(page.get_by_test_id("header-user-name")).to_have_text("Ada Lovelace")
    expect(page.get_by_test_id("user-button")).to_contain_text("Ada Lovelace")
    rows = db_rows(
        clerk_app_server.database_url, "SELECT token_identifier, name, email FROM users WHERE email = ?", email
    )
    assert rows == [(f"{ISSUER}|{user_id_for(email)}", "Ada Lovelace", email)]


def test_sign_up_page_shows_clerks_sign_up_and_signs_the_new_user_in(clerk_page, clerk_app_server):
    page = clerk_page()
    email = unique_clerk_email("katherine.johnson")
    page.goto("/sign-up")
    page.get_by_test_id("clerk-stub-sign-up-email").fill(email)
    page.get_by_test_id("clerk-stub-sign-up-submit").click()

    expect(page).to_have_url(re.compile(r"/dashboard/?$"))
    expect(page.get_by_test_id("header-user-name")).to_have_text("Katherine Johnson")
    assert db_rows(clerk_app_server.database_url, "SELECT name FROM users WHERE email = ?", email) == [
        ("Katherine Johnson",)
    ]


def test_session_change_sends_the_new_sessions_token(clerk_page, clerk_app_server):
    page = clerk_page()
    sign_in_with_clerk(page, unique_clerk_email("ada.lovelace"))
    expect(page.get_by_test_id("header-user-name")).to_have_text("Ada Lovelace")

    other = unique_clerk_email("grace.hopper")
    page.evaluate("email => window.Clerk.__stub.signIn(email)", other)

    expect(page.get_by_test_id("header-user-name")).to_have_text("Grace Hopper")
    expect(page.get_by_test_id("protected-content")).to_be_visible()
    assert db_rows(clerk_app_server.database_url, "SELECT name FROM users WHERE email = ?", other) == [
        ("Grace Hopper",)
    ]


def test_token_is_refreshed_before_it_expires(clerk_page, fapi):
    fapi.issuer.lifetime_s = 6
    page = clerk_page()
    sign_in_with_clerk(page, unique_clerk_email("alan.turing"))
    expect(page.get_by_test_id("protected-content")).to_be_visible()
    fetched = token_fetches(page)

    # Three refreshes take ~15 s; without them the server signs the tab out after 8 s.
    page.wait_for_function("n => window.Clerk.__stub.tokenFetches >= n + 3", arg=fetched, timeout=30_000)
    expect(page).to_have_url(re.compile(r"/dashboard/?$"))
    expect(page.get_by_test_id("header-user-name")).to_have_text("Alan Turing")


def test_focus_fetches_a_fresh_token(clerk_page, fapi):
    fapi.issuer.lifetime_s = 600  # no scheduled refresh during the test
    page = clerk_page()
    sign_in_with_clerk(page, unique_clerk_email("barbara.liskov"))
    expect(page.get_by_test_id("protected-content")).to_be_visible()
    fetched = token_fetches(page)

    page.wait_for_function(
        "n => { window.dispatchEvent(new Event('focus')); return window.Clerk.__stub.tokenFetches > n; }",
        arg=fetched,
        timeout=10_000,
        polling=250,
    )
    expect(page.get_by_test_id("protected-content")).to_be_visible()


def test_websocket_reconnect_sends_a_fresh_token(clerk_page, fapi):
    fapi.issuer.lifetime_s = 600  # no scheduled refresh during the test
    page = clerk_page()
    connections: list[tuple[WebSocketRoute, list[str]]] = []

    def tap(route: WebSocketRoute) -> None:
        server = route.connect_to_server()
        sent: list[str] = []
        route.on_message(lambda message: (sent.append(str(message)), server.send(message)))
        connections.append((route, sent))

    page.route_web_socket("**/_event/**", tap)
    sign_in_with_clerk(page, unique_clerk_email("edsger.dijkstra"))
    expect(page.get_by_test_id("protected-content")).to_be_visible()
    fetched, count = token_fetches(page), len(connections)

    connections[-1][0].close()
    page.wait_for_function("n => window.Clerk.__stub.tokenFetches > n", arg=fetched, timeout=15_000)
    deadline = time.monotonic() + 15
    while not any("set_session_token" in frame for _, sent in connections[count:] for frame in sent):
        assert time.monotonic() < deadline, "no token was sent over the new connection"
        page.wait_for_timeout(100)
    expect(page.get_by_test_id("header-user-name")).to_have_text("Edsger Dijkstra")


def test_sign_out_signs_out_of_clerk_and_the_server(clerk_page, fapi):
    page = clerk_page()
    sign_in_with_clerk(page, unique_clerk_email("margaret.hamilton"))
    expect(page.get_by_test_id("protected-content")).to_be_visible()

    page.get_by_test_id("sign-out-button").click()

    expect(page).to_have_url(re.compile(r"/sign-in"))
    expect(page.get_by_test_id("clerk-stub-sign-in-email")).to_be_visible()
    expect(page.get_by_test_id("sign-out-button")).to_have_count(0)
    assert fapi.sessions == {}
    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=/dashboard"))
    expect(page.get_by_test_id("protected-content")).to_have_count(0)


@pytest.mark.parametrize(
    ("signer", "reason"),
    [
        ("another instance", "jwk-kid-mismatch"),
        ("another issuer, same key", "token-invalid-issuer"),
        ("foreign azp", "token-invalid-authorized-parties"),
    ],
)
def test_token_not_meant_for_this_app_is_refused(clerk_page, clerk_app_server, fapi, signer, reason):
    if signer == "another instance":
        fapi.issuer = TokenIssuer("https://clerk.other.test", signing_key(1), azp=clerk_app_server.url)
    elif signer == "another issuer, same key":
        fapi.issuer = TokenIssuer("https://clerk.other.test", signing_key(0), azp=clerk_app_server.url)
    else:
        fapi.azp = FOREIGN_ORIGIN
    page = clerk_page()
    email = unique_clerk_email("mallory.eve")
    sign_in_with_clerk(page, email)

    expect(page.get_by_test_id("auth-error")).to_contain_text(reason)
    expect(page.get_by_test_id("protected-content")).to_have_count(0)
    assert db_rows(clerk_app_server.database_url, "SELECT id FROM users WHERE email = ?", email) == []


@pytest.mark.parametrize("script", [CLERK_JS_URL, CLERK_UI_URL], ids=["clerk-js", "ui-bundle"])
def test_clerk_that_cannot_load_shows_a_notice_instead_of_a_spinner(clerk_page, page_errors, script):
    page_errors.allow("the server responded with a status of 503")
    page_errors.allow("Failed to load Clerk")
    page = clerk_page()
    page.context.route(script, lambda route: route.fulfill(status=503, body="unavailable"))
    page.goto("/sign-in")

    # Clerk's loader retries, then gives up after its 15-second timeout.
    expect(page.get_by_test_id("clerk-failed")).to_be_visible(timeout=40_000)
    expect(page.get_by_test_id("auth-loading")).to_have_count(0)
