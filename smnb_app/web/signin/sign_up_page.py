"""The sign-up page (clerk mode only: the dev provider creates users on first sign-in)."""

from __future__ import annotations

import reflex as rx

from smnb_app.providers.clerk.components import sign_up_form
from smnb_app.web.shell.layout import page_shell, spinner_panel
from smnb_app.web.signin.sign_in_page import clerk_panel
from smnb_app.web.signin.state import AuthState


def sign_up_page() -> rx.Component:
    """Clerk's sign-up; afterwards the user goes back where they came from."""
    return page_shell(rx.cond(AuthState.is_loading, spinner_panel(), clerk_panel(sign_up_form(), "sign-up-prompt")))
