"""The dashboard's account panel: sign out everywhere, download my data, delete my account."""

from __future__ import annotations

import reflex as rx

from smnb_app.web.account.state import AccountState
from smnb_app.web.shared.callouts import error_callout
from smnb_app.web.signin.state import AuthState


def delete_confirmation() -> rx.Component:
    """The confirmation that asks the user to type their email before anything is deleted."""
    expected = rx.cond(AuthState.user.email, AuthState.user.email, AuthState.user.name)
    return rx.form(
        rx.vstack(
            rx.text(
                "This deletes your account and all your sessions for good, and signs you out everywhere. Type ",
                rx.text.strong(expected),
                " to confirm.",
                size="2",
            ),
            rx.input(
                name="confirm",
                placeholder=expected,
                auto_complete="off",
                width="100%",
                data_testid="delete-account-confirm",
            ),
            rx.hstack(
                rx.button(
                    "Delete my account forever",
                    type="submit",
                    color_scheme="red",
                    loading=AccountState.busy == "delete",
                    data_testid="delete-account-submit",
                ),
                rx.button(
                    "Cancel",
                    type="button",
                    variant="soft",
                    on_click=AccountState.cancel_delete,
                    data_testid="delete-account-cancel",
                ),
                spacing="3",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=AccountState.delete_account,
        reset_on_submit=False,
        width="100%",
    )


def account_card() -> rx.Component:
    """The user's own account actions."""
    return rx.card(
        rx.vstack(
            rx.heading("Your account", size="4"),
            error_callout(AccountState.error, testid="account-error"),
            rx.hstack(
                rx.button(
                    "Sign out everywhere",
                    variant="outline",
                    on_click=AccountState.sign_out_everywhere,
                    loading=AccountState.busy == "everywhere",
                    data_testid="sign-out-everywhere",
                ),
                rx.button(
                    "Download my data",
                    variant="outline",
                    on_click=AccountState.download_my_data,
                    data_testid="download-my-data",
                ),
                rx.button(
                    "Delete my account",
                    variant="outline",
                    color_scheme="red",
                    on_click=AccountState.ask_delete,
                    data_testid="delete-account",
                ),
                spacing="3",
                wrap="wrap",
            ),
            rx.cond(AccountState.confirming_delete, delete_confirmation()),
            spacing="3",
            width="100%",
        ),
        width="100%",
        data_testid="account-panel",
    )
