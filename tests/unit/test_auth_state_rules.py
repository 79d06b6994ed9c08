"""AuthState's pure rules: where sign-in returns to, what a rejection says, what stays server-side."""

from __future__ import annotations

import pytest

from smnb_app.state.auth import AuthState, rejection_message, safe_next_path


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("/sessions", "/sessions"),
        ("/dashboard/?tab=1", "/dashboard/?tab=1"),
        (None, "/dashboard"),
        ("", "/dashboard"),
        ("https://evil.example/", "/dashboard"),
        ("//evil.example/", "/dashboard"),
        ("/\\evil.example", "/dashboard"),
        ("/sign-in", "/dashboard"),
        ("/sign-in?next=/x", "/dashboard"),
    ],
)
def test_sign_in_returns_only_to_local_paths(raw: str | None, expected: str):
    assert safe_next_path(raw) == expected


def test_rejection_message_names_the_reason_without_the_token():
    message = rejection_message("token-invalid-signature")
    assert "token-invalid-signature" in message
    assert "sign in again" in message.lower()
    assert "try again" in rejection_message("jwk-remote-failed-to-load").lower()


def test_identity_bearing_vars_are_backend_only():
    identity = {"_token_digest", "_claims", "_user_id", "_expires_at"}
    assert identity <= set(AuthState.get_fields())
    assert not identity & set(AuthState.base_vars)
    assert not identity & set(AuthState._frontend_var_names)
