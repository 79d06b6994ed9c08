"""AuthState's pure rules: what a rejection says, where sign-in comes back to, what stays server-side."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from smnb_app.web.signin.rules import is_protected, rejection_message, sign_in_url, token_digest
from smnb_app.web.signin.state import AuthState


def test_rejection_message_names_the_reason_without_the_token():
    message = rejection_message("token-invalid-signature")
    assert "token-invalid-signature" in message
    assert "sign in again" in message.lower()
    assert "try again" in rejection_message("jwk-remote-failed-to-load").lower()


def test_sign_in_url_keeps_the_whole_target_including_its_own_query():
    url = sign_in_url("/sessions", "filter=paused&page=2")
    parts = urlsplit(url)
    assert parts.path == "/sign-in"
    assert parse_qs(parts.query) == {"next": ["/sessions?filter=paused&page=2"]}
    assert sign_in_url("/dashboard", "") == "/sign-in?next=/dashboard"


def test_only_the_dashboard_and_sessions_are_protected():
    assert [is_protected(path) for path in ("/dashboard", "/sessions/", "/", "/sign-in")] == [True, True, False, False]


def test_token_digest_survives_any_payload_and_never_is_the_token():
    token = "a.b.c"
    assert token_digest(token) not in ("", token) and len(token_digest(token)) == 64
    assert token_digest("\ud800") != ""
    assert [token_digest(value) for value in (None, 7, {"a": 1}, ["x"], "")] == [""] * 5


def test_identity_bearing_vars_are_backend_only():
    identity = {"_token_digest", "_claims", "_user_id", "_expires_at", "_watcher", "_watch_until"}
    assert identity <= set(AuthState.get_fields())
    assert not identity & set(AuthState.base_vars)
    assert not identity & set(AuthState._frontend_var_names)
