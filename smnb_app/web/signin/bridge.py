"""The token bridge: the identity provider's invisible component that hands every fresh token to `AuthState`."""

from __future__ import annotations

import reflex as rx

from smnb_app.web.shared.runtime import get_provider
from smnb_app.web.signin.state import AuthState


def token_bridge() -> rx.Component:
    """The configured provider's bridge, wired to the tab's `AuthState`."""
    return get_provider().token_bridge(
        on_token=AuthState.set_session_token, on_sign_in_error=AuthState.dev_sign_in_failed
    )
