"""The sessions panel: toolbar, status filter with counts, errors, the list and "load more"."""

from __future__ import annotations

import reflex as rx

from smnb_app.web.live.link import COUNT_KEYS, SessionsLink
from smnb_app.web.sessions.row import session_row
from smnb_app.web.sessions.rows import STATUS_FILTERS
from smnb_app.web.sessions.state import SessionsState


def status_filter() -> rx.Component:
    """The status filter."""
    return rx.segmented_control.root(
        *[
            rx.segmented_control.item(choice.capitalize(), value=choice, data_testid=f"filter-{choice}")
            for choice in STATUS_FILTERS
        ],
        value=SessionsState.status_filter,
        on_change=SessionsState.set_filter,
        data_testid="status-filter",
    )


def status_counts() -> rx.Component:
    """How many sessions the user has per status (kept current in every tab of the user)."""
    return rx.hstack(
        *[
            rx.hstack(
                rx.badge(SessionsLink.counts[key], variant="soft", radius="full", data_testid=f"count-{key}"),
                rx.text(key, size="2", color_scheme="gray"),
                spacing="1",
                align="center",
            )
            for key in COUNT_KEYS
        ],
        spacing="4",
        data_testid="status-counts",
    )


def error_callout() -> rx.Component:
    """The last action's error, shown in the page instead of failing."""
    return rx.cond(
        SessionsState.error != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("triangle_alert")),
            rx.callout.text(
                SessionsState.error,
                " ",
                # A button, not a link: a link's href="#" is a navigation, which runs on_load again.
                rx.button(
                    "Dismiss",
                    size="1",
                    variant="ghost",
                    on_click=SessionsState.dismiss_error,
                    data_testid="dismiss-error",
                ),
            ),
            color_scheme="red",
            role="alert",
            data_testid="session-error",
        ),
    )


def _list() -> rx.Component:
    return rx.cond(
        SessionsState.loaded,
        rx.vstack(
            rx.foreach(SessionsState.sessions, session_row),
            rx.cond(
                SessionsState.sessions.length() == 0,
                rx.text("No sessions here yet.", color_scheme="gray", data_testid="sessions-empty"),
            ),
            rx.cond(
                SessionsState.has_more,
                rx.button(
                    "Load more",
                    variant="outline",
                    loading=SessionsState.loading,
                    on_click=SessionsState.load_more,
                    data_testid="load-more",
                ),
            ),
            width="100%",
            spacing="3",
        ),
        rx.center(rx.spinner(size="3"), padding_y="3em", data_testid="sessions-loading"),
    )


def delete_dialog() -> rx.Component:
    """Asks before a session is deleted; closing it any other way deletes nothing."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Delete session"),
            rx.alert_dialog.description(
                "Delete \u201c", SessionsState.confirm_delete_name, "\u201d? This cannot be undone."
            ),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button("Cancel", variant="soft", color_scheme="gray", data_testid="cancel-delete-button"),
                ),
                rx.button(
                    "Delete",
                    color_scheme="red",
                    on_click=SessionsState.confirm_delete,
                    data_testid="confirm-delete-button",
                ),
                justify="end",
                spacing="3",
                margin_top="1em",
            ),
        ),
        open=SessionsState.confirm_delete_id != 0,
        on_open_change=lambda _open: SessionsState.cancel_delete(),
    )


def sessions_panel() -> rx.Component:
    """Everything the signed-in user sees on /sessions."""
    return rx.vstack(
        rx.hstack(
            rx.heading("Sessions", size="7"),
            rx.spacer(),
            rx.button(
                rx.icon("plus"),
                "New session",
                on_click=SessionsState.create,
                loading=SessionsState.busy == "create",
                disabled=SessionsState.busy != "",
                data_testid="new-session-button",
            ),
            align="center",
            width="100%",
        ),
        rx.hstack(status_filter(), status_counts(), align="center", wrap="wrap", spacing="5"),
        error_callout(),
        _list(),
        delete_dialog(),
        spacing="4",
        width="100%",
        # Mounts once the tab is verified: the first load of a fresh tab happens here.
        on_mount=SessionsState.ensure_loaded,
    )
