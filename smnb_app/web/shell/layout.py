"""Page chrome: the header with navigation and the user menu, and the notices about the tab's own events."""

from __future__ import annotations

import reflex as rx
from reflex.event import EventType
from reflex_components_radix.themes.base import LiteralAccentColor

from smnb_app.web.guard.event_guard import TOO_FAST, EventGuardState
from smnb_app.web.shared.failures import FailureState
from smnb_app.web.shared.runtime import get_provider
from smnb_app.web.signin.gate import SIGN_OUT
from smnb_app.web.signin.state import AuthState


def user_menu() -> rx.Component:
    """The header's right side: who is signed in and the sign-out button."""
    return rx.cond(
        AuthState.is_authenticated,
        rx.hstack(
            get_provider().user_widget(AuthState.user.avatar_url.to(str)),
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
    text: str | rx.Var[str], *, icon: str, color: LiteralAccentColor, on_dismiss: EventType[()], testid: str
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
