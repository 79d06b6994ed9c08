"""The sign-in page: Clerk's sign-in in clerk mode, the embedded dev provider's form otherwise."""

from __future__ import annotations

import reflex as rx

from smnb_app.config.settings import get_settings
from smnb_app.providers.clerk.components import clerk_failed_notice, sign_in_form
from smnb_app.web.shell.layout import auth_error_callout, page_shell, spinner_panel
from smnb_app.web.signin.bridge import SUBMIT_DEV_SIGN_IN
from smnb_app.web.signin.state import AuthState


def dev_sign_in_form() -> rx.Component:
    """Email and display name, no password: the dev provider trusts the machine it runs on."""
    return rx.form(
        rx.vstack(
            rx.text("Email", as_="label", weight="medium"),
            rx.input(
                name="email",
                type="email",
                placeholder="ada@example.com",
                required=True,
                width="100%",
                data_testid="dev-sign-in-email",
            ),
            rx.text("Display name", as_="label", weight="medium"),
            rx.input(
                name="name", placeholder="Ada Lovelace", max_length=100, width="100%", data_testid="dev-sign-in-name"
            ),
            auth_error_callout(),
            # The token bridge disables it (aria-busy) while the provider answers.
            rx.button("Sign in", type="submit", width="100%", data_testid="dev-sign-in-submit"),
            spacing="3",
        ),
        id="dev-sign-in-form",
        on_submit=SUBMIT_DEV_SIGN_IN,
    )


def dev_sign_in_card() -> rx.Component:
    """The dev provider's sign-in, in a card."""
    return rx.card(
        rx.vstack(
            rx.heading("Sign in", size="6"),
            rx.text(
                "Development sign-in: no account needed. Set the Clerk variables to use Clerk.",
                color_scheme="gray",
                size="2",
            ),
            dev_sign_in_form(),
            spacing="4",
        ),
        data_testid="sign-in-prompt",
        width="100%",
        max_width="28em",
    )


def clerk_panel(form: rx.Component, testid: str) -> rx.Component:
    """One of Clerk's forms (it draws its own card), with the server's and Clerk's errors above it.

    Args:
        form: Clerk's `SignIn` or `SignUp`.
        testid: The panel's data-testid.

    Returns:
        The panel.
    """
    return rx.vstack(auth_error_callout(), clerk_failed_notice(), form, align="center", spacing="4", data_testid=testid)


def sign_in_page() -> rx.Component:
    """Where signed-out users land; after sign-in they go back where they came from."""
    clerk = get_settings().auth_provider == "clerk"
    return page_shell(
        rx.cond(
            AuthState.is_loading,
            spinner_panel(),
            clerk_panel(sign_in_form(), "sign-in-prompt") if clerk else dev_sign_in_card(),
        ),
    )
