"""Tokens and events a tampering browser sends: the server decides who the user is."""

from __future__ import annotations

import base64
import json

from playwright.sync_api import Route, expect

from tests.harness.helpers import SocketTap, db_rows, sign_in, unique_email, user_id


def tamper(token: str, **claims: str) -> str:
    """Rewrite a signed token's payload, keeping the original signature."""
    header, payload, signature = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data.update(claims)
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def test_tampered_token_shows_auth_error_and_writes_no_user(new_page, app_server):
    page = new_page()
    email = unique_email("mallory")

    def tamper_response(route: Route) -> None:
        response = route.fetch()
        body = response.json()
        body["token"] = tamper(body["token"], email=email, name="Mallory")
        route.fulfill(response=response, json=body)

    # The sign-in's answer carries the first token, a refresh the next ones.
    page.route("**/dev-auth/sign-in", tamper_response)
    page.route("**/dev-auth/tokens", tamper_response)
    page.goto("/sign-in")
    page.get_by_test_id("dev-sign-in-email").fill(email)
    page.get_by_test_id("dev-sign-in-name").fill("Mallory")
    page.get_by_test_id("dev-sign-in-submit").click()

    expect(page.get_by_test_id("auth-error")).to_contain_text("token-invalid-signature")
    expect(page.get_by_test_id("protected-content")).to_have_count(0)
    assert db_rows(app_server.database_url, "SELECT id FROM users WHERE email = ?", email) == []


def test_forged_events_cannot_set_identity(new_page, app_server):
    victim_email = unique_email("victim")
    victim = new_page()
    sign_in(victim, email=victim_email, name="Victim")
    victim_id = user_id(app_server.database_url, victim_email)

    page = new_page()
    tap = SocketTap()
    tap.attach(page)
    sign_in(page, email=unique_email("eve"), name="Eve")
    set_token = tap.event_name_for("set_session_token")
    state = set_token.rsplit(".", 1)[0]

    log_offset = app_server.log_size()
    tap.forge(f"{state}.setvar", {"var_name": "_user_id", "value": victim_id})
    tap.forge(f"{state}.setvar", {"var_name": "is_authenticated", "value": True})
    tap.forge(f"{state}.expire_session", {})
    tap.forge("no.such.handler", {"token": "x"})
    tap.send_raw('["event", "not an object"]')
    tap.send_raw('["event", {"name": 7, "payload": [], "router_data": "x"}]')
    page.reload()
    expect(page.get_by_test_id("user-name")).to_have_text("Eve")
    # Refused at the socket before Reflex reads them; logged once, without the frames' contents.
    refusals = app_server.lines_since(log_offset, "refused an event on connection")
    assert len(refusals) == 1 and refusals[0].startswith("[WARNING] smnb_app.web.guard.socket_guard: ")
    assert "Cookie" not in "".join(app_server.lines_since(log_offset))

    # A token that does not verify signs the forging tab out instead of switching its user.
    tap.forge(set_token, {"token": "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1c2VyX3gifQ."})
    expect(page.get_by_test_id("auth-error")).to_contain_text("token-invalid-algorithm")
    expect(page.get_by_test_id("protected-content")).to_have_count(0)
    expect(victim.get_by_test_id("user-name")).to_have_text("Victim")
