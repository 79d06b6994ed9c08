"""The dashboard: the user's profile, session counts, recent sign-ins and account actions."""

from __future__ import annotations

import reflex as rx
from reflex.vars import ObjectVar

from smnb_app.services.audit import SignInView
from smnb_app.web.account.panel import account_card
from smnb_app.web.account.sign_ins import SignInsState
from smnb_app.web.live.link import COUNT_KEYS, SessionsLink
from smnb_app.web.shared.formatting import format_epoch_ms
from smnb_app.web.signin.gate import SIGN_OUT, protected
from smnb_app.web.signin.state import AuthState


def profile_card() -> rx.Component:
    """Avatar, name, email, member since and last active."""
    user = AuthState.user
    return rx.card(
        rx.hstack(
            rx.avatar(src=user.avatar_url.to(str), fallback="?", size="6", radius="full", data_testid="user-avatar"),
            rx.vstack(
                rx.heading(user.name, size="6", data_testid="user-name"),
                rx.text(user.email, color_scheme="gray", data_testid="user-email"),
                rx.text("Member since ", format_epoch_ms(user.created_at), size="2", data_testid="member-since"),
                rx.text("Last active ", format_epoch_ms(user.last_active_at), size="2", data_testid="last-active"),
                spacing="1",
            ),
            spacing="5",
            align="center",
        ),
        width="100%",
    )


def session_counts_card() -> rx.Component:
    """How many sessions the user has in each status, kept current by the user's other tabs."""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading("Sessions", size="4"),
                rx.spacer(),
                rx.link("Manage sessions", href="/sessions", data_testid="sessions-link"),
                width="100%",
                align="center",
            ),
            rx.hstack(
                *[
                    rx.vstack(
                        rx.text(key.capitalize(), size="2", color_scheme="gray"),
                        rx.heading(SessionsLink.counts[key], size="6", data_testid=f"dashboard-count-{key}"),
                        spacing="1",
                    )
                    for key in COUNT_KEYS
                ],
                spacing="6",
            ),
            spacing="3",
        ),
        width="100%",
    )


def sign_in_row(sign_in: ObjectVar[SignInView]) -> rx.Component:
    """One recent sign-in: when, with which browser, from where."""
    return rx.table.row(
        rx.table.cell(format_epoch_ms(sign_in.at)),
        rx.table.cell(sign_in.browser),
        rx.table.cell(sign_in.ip),
        data_testid="recent-sign-in",
    )


def recent_sign_ins_card() -> rx.Component:
    """The user's last sign-ins, so they can spot one that was not theirs."""
    return rx.card(
        rx.vstack(
            rx.heading("Recent sign-ins", size="4"),
            rx.cond(
                SignInsState.error != "",
                rx.callout(SignInsState.error, icon="triangle_alert", color_scheme="red"),
            ),
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("When"),
                        rx.table.column_header_cell("Browser"),
                        rx.table.column_header_cell("IP address"),
                    )
                ),
                rx.table.body(rx.foreach(SignInsState.sign_ins, sign_in_row)),
                width="100%",
                size="1",
            ),
            spacing="3",
            width="100%",
        ),
        width="100%",
        on_mount=SignInsState.load_sign_ins,
        data_testid="recent-sign-ins",
    )


def dashboard_page() -> rx.Component:
    """The protected dashboard."""
    return protected(
        rx.vstack(
            rx.heading("Dashboard", size="7"),
            profile_card(),
            session_counts_card(),
            recent_sign_ins_card(),
            account_card(),
            rx.button("Sign out", on_click=SIGN_OUT, variant="outline"),
            spacing="4",
            width="100%",
        )
    )
