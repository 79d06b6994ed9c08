"""The sign-in and sign-up pages: the identity provider's content once the server knows the tab is signed out."""

from __future__ import annotations

import reflex as rx

from smnb_app.web.shared.runtime import get_provider
from smnb_app.web.signin.gate import auth_error_callout, spinner_panel
from smnb_app.web.signin.state import AuthState


def sign_in_page() -> rx.Component:
    """Where signed-out users land; after sign-in they go back where they came from."""
    return rx.cond(AuthState.is_loading, spinner_panel(), get_provider().sign_in_content(error=auth_error_callout()))


def sign_up_page() -> rx.Component:
    """The provider's sign-up (only where it has one); afterwards back where the user came from."""
    return rx.cond(AuthState.is_loading, spinner_panel(), get_provider().sign_up_content(error=auth_error_callout()))
