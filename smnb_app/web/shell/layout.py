"""Page chrome and the three auth states (loading, signed out, signed in)."""

from __future__ import annotations

import reflex as rx

from smnb_app.config.settings import get_settings
from smnb_app.providers.clerk.components import UserButton
from smnb_app.web.guard.event_guard import TOO_FAST, EventGuardState
from smnb_app.web.shared.failures import FailureState
from smnb_app.web.signin.bridge import SIGN_OUT_OF_PROVIDER
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
                on_click=SIGN_OUT,
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


def _notice(
    text: str | rx.Var[str], *, icon: str, color: str, on_dismiss: rx.EventHandler, testid: str
) -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.icon(icon)),
        rx.hstack(
            rx.callout.text(text),
            rx.spacer(),
            rx.button("Dismiss", size="1", variant="ghost", on_click=on_dismiss),
            width="100%",
            align="center",
        ),
        color_scheme=color,
        role="status",
        width="100%",
        data_testid=testid,
    )


def event_notices() -> rx.Component:
    """What the server says about the tab's own events: too many of them, or an unexpected failure."""
    return rx.fragment(
        rx.cond(
            EventGuardState.too_fast,
            _notice(
                TOO_FAST,
                icon="timer",
                color="amber",
                on_dismiss=EventGuardState.dismiss_too_fast,
                testid="rate-limit-notice",
            ),
        ),
        rx.cond(
            FailureState.failed,
            _notice(
                FailureState.message,
                icon="triangle_alert",
                color="red",
                on_dismiss=FailureState.dismiss_failure,
                testid="unexpected-error",
            ),
        ),
    )


def hydration_marker() -> rx.Component:
    """A hidden mark present once the page's on_load handlers have all run (tests wait for it)."""
    return rx.cond(rx.State.is_hydrated, rx.el.span(hidden=True, data_testid="page-loaded"))


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
        hydration_marker(),
        rx.container(rx.vstack(event_notices(), *children, spacing="5", padding_y="2em"), size="3"),
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
