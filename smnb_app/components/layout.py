"""Page chrome and the three auth states (loading, signed out, signed in)."""

from __future__ import annotations

import reflex as rx

from smnb_app.components.clerk import UserButton
from smnb_app.settings import get_settings
from smnb_app.state.auth import AuthState


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
    return rx.cond(
        AuthState.auth_error != "",
        rx.callout(
            AuthState.auth_error,
            icon="triangle_alert",
            color_scheme="red",
            role="alert",
            data_testid="auth-error",
        ),
    )


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


def user_avatar() -> rx.Component:
    """The user's picture: Clerk's `UserButton` (with its account menu) in clerk mode."""
    if get_settings().auth_provider == "clerk":
        return rx.box(UserButton.create(), data_testid="user-button")
    return rx.avatar(src=AuthState.user.avatar_url.to(str), fallback="?", size="2", radius="full")


def user_menu() -> rx.Component:
    """The header's right side: who is signed in and the sign-out button."""
    return rx.cond(
        AuthState.is_authenticated,
        rx.hstack(
            user_avatar(),
            rx.text(AuthState.user.name, weight="medium", data_testid="header-user-name"),
            rx.button(
                "Sign out",
                variant="soft",
                on_click=AuthState.sign_out,
                data_testid="sign-out-button",
            ),
            align="center",
            spacing="3",
        ),
        rx.cond(
            AuthState.is_loading,
            rx.spinner(size="2"),
            rx.link("Sign in", href="/sign-in"),
        ),
    )


def page_shell(*children: rx.Component) -> rx.Component:
    """The common frame of every page: a header with navigation, then the content.

    Args:
        *children: The page's content.

    Returns:
        The framed page.
    """
    return rx.box(
        rx.hstack(
            rx.link(rx.heading("SMNB", size="5"), href="/", underline="none"),
            rx.hstack(
                rx.link("Dashboard", href="/dashboard"),
                rx.link("Sessions", href="/sessions"),
                spacing="4",
            ),
            rx.spacer(),
            user_menu(),
            align="center",
            spacing="6",
            padding="1em 2em",
            border_bottom="1px solid var(--gray-a5)",
        ),
        rx.container(rx.vstack(*children, spacing="5", padding_y="2em"), size="3"),
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
