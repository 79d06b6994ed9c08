"""The landing page: who you are, and where to go next."""

from __future__ import annotations

import reflex as rx

from smnb_app.web.signin.gate import sign_in_prompt, spinner_panel
from smnb_app.web.signin.state import AuthState


def landing_page() -> rx.Component:
    """The public home page."""
    return rx.fragment(
        rx.heading("SMNB", size="8"),
        rx.text("Model sessions that are yours alone, verified on the server.", size="4"),
        rx.cond(
            AuthState.is_loading,
            spinner_panel(),
            rx.cond(
                AuthState.is_authenticated,
                rx.card(
                    rx.vstack(
                        rx.text("Signed in as ", rx.text.strong(AuthState.user.name, data_testid="user-name")),
                        rx.link(rx.button("Open your dashboard"), href="/dashboard", data_testid="dashboard-link"),
                        spacing="3",
                    ),
                    data_testid="protected-content",
                ),
                sign_in_prompt(),
            ),
        ),
    )
