"""One session in the list: its name (renamed inline), status, actions and settings."""

from __future__ import annotations

from typing import cast

import reflex as rx
from reflex.event import EventCallback, EventChain, EventType, key_event
from reflex.vars import ObjectVar, Var
from reflex_base.utils.types import ArgsSpec

from smnb_app.web.sessions.rows import SessionRow
from smnb_app.web.sessions.settings_panel import settings_panel
from smnb_app.web.sessions.state import SessionsState

_STATUS_COLORS = (("active", "green"), ("paused", "amber"), "gray")


def _action(label: str, testid: str, busy_key: str, on_click: EventType[()], **props) -> rx.Component:
    return rx.button(
        label,
        size="1",
        variant="soft",
        loading=SessionsState.busy == busy_key,
        disabled=SessionsState.busy != "",
        on_click=on_click,
        data_testid=testid,
        **props,
    )


def _on_escape(handler: EventCallback[()]) -> Var:
    # Filtered in the browser: the server hears of Escape only, not of every key typed.
    # Reflex's own triggers take `key_event` as their args spec; its `ArgsSpec` type does not admit it.
    chain = Var.create(EventChain.create([handler], args_spec=cast(ArgsSpec, key_event)))
    return Var(
        _js_expr=f"((_e) => {{ if (_e.key === 'Escape') {{ ({chain})(_e); }} }})",
        _var_type=EventChain,
        _var_data=chain._get_all_var_data(),
    )


def _name(row: ObjectVar[SessionRow]) -> rx.Component:
    editing = rx.form(
        rx.hstack(
            rx.input(
                name="name",
                default_value=row.name,
                auto_focus=True,
                on_key_down=_on_escape(SessionsState.cancel_rename),
                aria_label="Session name",
                data_testid="rename-input",
            ),
            rx.button(
                "Save",
                type="submit",
                size="1",
                loading=SessionsState.busy == f"rename-{row.id}",
                data_testid="rename-save",
            ),
            rx.button(
                "Cancel",
                type="button",
                size="1",
                variant="soft",
                color_scheme="gray",
                on_click=SessionsState.cancel_rename,
                data_testid="rename-cancel",
            ),
            align="center",
        ),
        on_submit=SessionsState.save_rename,
        reset_on_submit=False,
    )
    shown = rx.text(row.name, weight="medium", data_testid="session-name")
    return rx.cond(SessionsState.editing_id == row.id, editing, shown)


def _status_color(status: Var) -> Var:
    # A match of plain values is a Var; Reflex types every match as `Component | Var`.
    return cast(Var, rx.match(status, *_STATUS_COLORS))


def _status_actions(row: ObjectVar[SessionRow]) -> rx.Component | Var:
    busy_key = f"status-{row.id}"
    change = SessionsState.change_status
    return rx.match(
        row.status,
        (
            "active",
            rx.fragment(
                _action("Pause", "pause-button", busy_key, change(row.id, "paused")),
                _action("Archive", "archive-button", busy_key, change(row.id, "archived")),
            ),
        ),
        (
            "paused",
            rx.fragment(
                _action("Resume", "resume-button", busy_key, change(row.id, "active")),
                _action("Archive", "archive-button", busy_key, change(row.id, "archived")),
            ),
        ),
        _action("Unarchive", "unarchive-button", busy_key, change(row.id, "active")),
    )


def session_row(row: ObjectVar[SessionRow]) -> rx.Component:
    """A session's card.

    Args:
        row: The session (a `SessionRow` var).

    Returns:
        The card, with `data-session-id` set to the session's id.
    """
    return rx.card(
        rx.vstack(
            rx.hstack(
                _name(row),
                rx.badge(row.status, color_scheme=_status_color(row.status), data_testid="session-status"),
                rx.spacer(),
                rx.cond(
                    row.editable,
                    _action("Rename", "rename-button", f"rename-{row.id}", SessionsState.start_rename(row.id)),
                ),
                _action("Settings", "settings-button", f"settings-{row.id}", SessionsState.toggle_settings(row.id)),
                _status_actions(row),
                _action("Duplicate", "duplicate-button", f"duplicate-{row.id}", SessionsState.duplicate(row.id)),
                _action(
                    "Delete", "delete-button", f"delete-{row.id}", SessionsState.ask_delete(row.id), color_scheme="red"
                ),
                align="center",
                wrap="wrap",
                width="100%",
            ),
            rx.cond(SessionsState.settings_id == row.id, settings_panel(row)),
            width="100%",
        ),
        width="100%",
        data_testid="session-row",
        custom_attrs={"data-session-id": row.id},
    )
