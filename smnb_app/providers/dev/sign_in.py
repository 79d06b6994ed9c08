"""The dev provider's sign-in card: email and display name, no password."""

from __future__ import annotations

import reflex as rx

# The bridge's `window.smnbAuth.submitSignIn`, compiled into the page (the CSP forbids eval).
SUBMIT_DEV_SIGN_IN = rx.call_function(
    rx.Var("() => window.smnbAuth?.submitSignIn(document.getElementById('dev-sign-in-form'))")
)


def dev_sign_in_form(error: rx.Component) -> rx.Component:
    """Email and display name, no password: the dev provider trusts the machine it runs on.

    Args:
        error: The server's reason for refusing the last sign-in, shown above the button.

    Returns:
        The form; the token bridge submits it to the dev provider.
    """
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
            error,
            # The token bridge disables it (aria-busy) while the provider answers.
            rx.button("Sign in", type="submit", width="100%", data_testid="dev-sign-in-submit"),
            spacing="3",
        ),
        id="dev-sign-in-form",
        on_submit=SUBMIT_DEV_SIGN_IN,
    )


def dev_sign_in_card(error: rx.Component) -> rx.Component:
    """The dev provider's sign-in, in a card.

    Args:
        error: The server's reason for refusing the last sign-in.

    Returns:
        The card.
    """
    return rx.card(
        rx.vstack(
            rx.heading("Sign in", size="6"),
            rx.text(
                "Development sign-in: no account needed. Set the Clerk variables to use Clerk.",
                color_scheme="gray",
                size="2",
            ),
            dev_sign_in_form(error),
            spacing="4",
        ),
        data_testid="sign-in-prompt",
        width="100%",
        max_width="28em",
    )
