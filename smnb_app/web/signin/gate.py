"""The three auth states on a page (loading, signed out, signed in), and signing out."""

from __future__ import annotations

import reflex as rx

from smnb_app.providers.base import SIGN_OUT_OF_PROVIDER
from smnb_app.web.shared.callouts import error_callout
from smnb_app.web.signin.state import AuthState

# Out of the identity provider in the browser, then out of the server for this tab.
SIGN_OUT = [SIGN_OUT_OF_PROVIDER, AuthState.sign_out]


def spinner_panel() -> rx.Component:
    """The 'status unknown' state: shown until the first token (or its absence) is verified."""
    return rx.center(
        rx.vstack(
            rx.spinner(size="3"),
            rx.text("Checking your sign-in…", color_scheme="gray"),
            align="center",
        ),
        padding_y="4em",
        data_testid="auth-loading",
    )


def auth_error_callout() -> rx.Component:
    """The reason the server refused a token or a sign-in, when there is one."""
    return error_callout(AuthState.auth_error, testid="auth-error")


def sign_in_prompt() -> rx.Component:
    """The 'signed out' state: an invitation to sign in."""
    return rx.card(
        rx.vstack(
            rx.heading("You are signed out", size="5"),
            rx.text("Sign in to see your dashboard and your sessions."),
            auth_error_callout(),
            rx.link(rx.button("Sign in"), href="/sign-in", data_testid="sign-in-link"),
            spacing="3",
        ),
        data_testid="sign-in-prompt",
        max_width="28em",
    )


def protected(content: rx.Component) -> rx.Component:
    """Render `content` only for a verified user; never before the server has decided.

    Args:
        content: The private part of the page.

    Returns:
        The spinner, the sign-in prompt or the content, by the auth state.
    """
    return rx.cond(
        AuthState.is_loading,
        spinner_panel(),
        rx.cond(
            AuthState.is_authenticated,
            rx.box(content, data_testid="protected-content", width="100%"),
            sign_in_prompt(),
        ),
    )
