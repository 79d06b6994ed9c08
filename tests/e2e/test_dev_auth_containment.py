"""The dev sign-in is no open door: other sites get no token, foreign tokens and redirects are refused."""

from __future__ import annotations

import re
import sqlite3
from urllib.parse import quote, urlsplit

import httpx
import pytest
from playwright.sync_api import expect

from smnb_app.providers.dev.issuer import SigningKey, TokenIssuer
from smnb_app.providers.dev.provider import user_id_for_email
from tests.harness.helpers import SECRETS, SocketTap, db_rows, eventually, sign_in, unique_email, user_id

# Another origin (another port) that a test routes to a page of its own.
EVIL_PAGE = "http://localhost:59999/evil"


def dev_sessions_of(app_server, email: str) -> int:
    with sqlite3.connect(app_server.workdir / "keys" / "dev_sessions.sqlite3") as store:
        return store.execute("SELECT count(*) FROM dev_sessions WHERE email = ?", (email,)).fetchone()[0]


def test_a_page_of_another_origin_gets_no_token(new_page, app_server, page_errors):
    page, email = new_page(), unique_email("csrf")
    page_errors.allow("Access to fetch")
    page_errors.allow("Failed to load resource")
    page.route(EVIL_PAGE, lambda route: route.fulfill(status=200, content_type="text/html", body="<p>evil</p>"))
    page.goto(EVIL_PAGE)
    outcome = page.evaluate(
        """async ([url, email]) => {
            const body = JSON.stringify({email, name: "Mallory"});
            const attempt = async (options) => {
                try {
                    const response = await fetch(url, {method: "POST", credentials: "include", body, ...options});
                    return response.type === "opaque" ? "opaque" : await response.text();
                } catch (error) {
                    return "refused: " + error.name;
                }
            };
            return {
                simple: await attempt({mode: "no-cors", headers: {"Content-Type": "text/plain"}}),
                preflighted: await attempt({headers: {"Content-Type": "application/json"}}),
            };
        }""",
        [f"{app_server.url}/dev-auth/sign-in", email],
    )
    # The page can read nothing back, and the server created nothing.
    assert outcome["simple"] in ("opaque", "refused: TypeError"), outcome
    assert outcome["preflighted"] == "refused: TypeError", outcome
    assert dev_sessions_of(app_server, email) == 0
    assert db_rows(app_server.database_url, "SELECT id FROM users WHERE email = ?", email) == []


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Origin": "https://evil.example", "Content-Type": "application/json"}, "Origin"),
        ({"Content-Type": "application/json"}, "Origin"),
        ({"Content-Type": "text/plain"}, "application/json"),
    ],
)
def test_a_direct_request_without_the_apps_origin_and_json_gets_403(app_server, headers, reason):
    email = unique_email("forger")
    response = httpx.post(
        f"{app_server.url}/dev-auth/sign-in", headers=headers, content=f'{{"email": "{email}", "name": "Forger"}}'
    )
    assert response.status_code == 403
    assert reason in response.json()["error"] and "token" not in response.json()
    assert dev_sessions_of(app_server, email) == 0


def test_a_token_for_another_origin_is_refused(new_page, app_server):
    page, tap = new_page(), SocketTap()
    tap.attach(page)
    email = unique_email("azp")
    sign_in(page, email=email, name="Azp")
    key = SigningKey.from_pem((app_server.workdir / "keys" / "dev_issuer_key.pem").read_bytes())
    forged = TokenIssuer(f"{app_server.url}/dev-auth", key).issue(
        sub=user_id_for_email(email), azp="https://evil.example", email=email, name="Azp"
    )
    SECRETS.append(forged)

    tap.forge(tap.event_name_for("set_session_token"), {"token": forged})

    expect(page.get_by_test_id("auth-error")).to_contain_text("token-invalid-authorized-parties")
    expect(page.get_by_test_id("protected-content")).to_have_count(0)
    rejected = "SELECT reason, ip FROM auth_events WHERE kind = 'token_rejected' AND user_id = ?"
    eventually(
        lambda: db_rows(app_server.database_url, rejected, user_id(app_server.database_url, email)),
        [("token-invalid-authorized-parties", "127.0.0.1")],
    )


HOSTILE_NEXT = [
    "//evil.example/",
    "/\\evil.example",
    "/\t/evil.example",
    "/%5Cevil.example",
    "/%2F%2Fevil.example",
    "https://evil.example/",
    "/%09/evil.example",
    "/sign-in",
]


@pytest.mark.parametrize("hostile", HOSTILE_NEXT)
def test_a_hostile_next_lands_on_this_site(new_page, app_server, hostile: str):
    page = new_page()
    sign_in(page, email=unique_email("next"), name="Next", path=f"/sign-in?next={quote(hostile, safe='')}")
    expect(page).to_have_url(re.compile(r"/dashboard/?$"))
    assert urlsplit(page.url).netloc == urlsplit(app_server.url).netloc
