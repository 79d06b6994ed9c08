"""Every event handler a browser can call, listed: a new public handler fails here until decided on."""

from __future__ import annotations

from reflex.state import BaseState, State
from reflex_base.utils.format import format_event_handler

# Imported by the app module; importing the pages registers every state this app has.
import smnb_app.web.account.dashboard_page  # noqa: F401
import smnb_app.web.sessions.sessions_page  # noqa: F401
from smnb_app.web.browser_events import browser_events
from smnb_app.web.shell import layout  # noqa: F401

CALLABLE = {
    "state.hydrate",
    "state.hydrate_and_load",
    "on_load_internal_state.on_load_internal",
    "update_vars_internal_state.update_vars_internal",
    "frontend_event_exception_state.handle_frontend_exception",
    "auth_state.set_session_token",
    "auth_state.check_access",
    "auth_state.sign_out",
    "auth_state.dev_sign_in_failed",
    "event_guard_state.dismiss_too_fast",
    "failure_state.dismiss_failure",
    "sign_ins_state.load_sign_ins",
    "account_state.sign_out_everywhere",
    "account_state.ask_delete",
    "account_state.cancel_delete",
    "account_state.delete_account",
    "account_state.download_my_data",
    "sessions_state.open_page",
    "sessions_state.ensure_loaded",
    "sessions_state.set_filter",
    "sessions_state.load_more",
    "sessions_state.dismiss_error",
    "sessions_state.start_rename",
    "sessions_state.cancel_rename",
    "sessions_state.save_rename",
    "sessions_state.toggle_settings",
    "sessions_state.change_setting",
    "sessions_state.change_status",
    "sessions_state.duplicate",
    "sessions_state.create",
    "sessions_state.ask_delete",
    "sessions_state.cancel_delete",
    "sessions_state.confirm_delete",
}
# Registered but never the browser's to call: server-chained handlers and Reflex's setters.
REFUSED_BESIDES_SETVAR = {
    "state.set_is_hydrated",
    "on_load_internal_state.set_is_hydrated",
    "auth_state.expire_session",
    "failure_state.show_failure",
}


def _short(full_name: str) -> str:
    state_path, handler = full_name.rsplit(".", 1)
    last = state_path.rsplit(".", 1)[-1].split("____")[-1]
    return f"{last}.{handler}"


def _every_registered_handler() -> set[str]:
    names: set[str] = set()
    pending: list[type[BaseState]] = [State]
    while pending:
        state = pending.pop()
        pending.extend(state.get_substates())
        names.update(format_event_handler(handler) for handler in state.event_handlers.values())
    return names


def test_the_browser_may_call_exactly_the_listed_handlers() -> None:
    assert {_short(name) for name in browser_events()} == CALLABLE


def test_every_other_registered_handler_is_refused() -> None:
    refused = {_short(name) for name in _every_registered_handler() - browser_events().keys()}
    setters = {name for name in refused if name.endswith(".setvar")}
    assert setters and refused - setters == REFUSED_BESIDES_SETVAR


def test_the_verified_user_helper_is_private_and_no_event() -> None:
    handlers = {name.rsplit(".", 1)[1] for name in _every_registered_handler()}
    assert "set_session_token" in handlers
    assert not {"verified_user_id", "_verified_user_id"} & handlers
