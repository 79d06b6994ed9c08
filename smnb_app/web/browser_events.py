"""Every event handler a browser may call; the event guard refuses the rest before they run.

Reflex gives every state a `setvar` handler and registers every public method as an event, so a
browser could otherwise call helpers and internal handlers by name. The list is explicit: a new
handler is refused until it is added here (and to the test that lists them).
"""

from __future__ import annotations

from reflex.state import FrontendEventExceptionState, OnLoadInternalState, State, UpdateVarsInternalState
from reflex_base.utils.format import format_event_handler

from smnb_app.web.account.sign_ins import SignInsState
from smnb_app.web.account.state import AccountState
from smnb_app.web.guard.event_guard import EventGuardState
from smnb_app.web.guard.payloads import HandlerShape, PayloadCheck, no_client_storage, shape_of
from smnb_app.web.sessions.state import SessionsState
from smnb_app.web.shared.failures import FailureState
from smnb_app.web.signin.state import AuthState

BROWSER_EVENTS: dict[type[State], tuple[str, ...]] = {
    # Reflex's own: the connection's hydration, page loads, client storage, frontend errors.
    State: ("hydrate", "hydrate_and_load"),
    OnLoadInternalState: ("on_load_internal",),
    UpdateVarsInternalState: ("update_vars_internal",),
    FrontendEventExceptionState: ("handle_frontend_exception",),
    AuthState: ("set_session_token", "check_access", "sign_out", "dev_sign_in_failed"),
    EventGuardState: ("dismiss_too_fast",),
    FailureState: ("dismiss_failure",),
    SignInsState: ("load_sign_ins",),
    AccountState: ("sign_out_everywhere", "ask_delete", "cancel_delete", "delete_account", "download_my_data"),
    SessionsState: (
        "open_page",
        "ensure_loaded",
        "set_filter",
        "load_more",
        "dismiss_error",
        "start_rename",
        "cancel_rename",
        "save_rename",
        "toggle_settings",
        "change_setting",
        "change_status",
        "duplicate",
        "create",
        "ask_delete",
        "cancel_delete",
        "confirm_delete",
    ),
}


# Rules beyond the argument types. Reflex would look client-storage var names up and fail loudly.
PAYLOAD_CHECKS: dict[tuple[type[State], str], PayloadCheck] = {
    (State, "hydrate_and_load"): no_client_storage,
    (UpdateVarsInternalState, "update_vars_internal"): no_client_storage,
}


# String bounds tighter than the default 4 KiB (which also fits a Clerk session token, a cookie).
# Reflex matches a frontend error's text against backtracking regexes: 2 KiB keeps that fast.
STRING_LIMITS: dict[tuple[type[State], str], dict[str, int]] = {
    (FrontendEventExceptionState, "handle_frontend_exception"): {"info": 2048, "component_stack": 2048},
    (AuthState, "dev_sign_in_failed"): {"error": 500},
    (AccountState, "delete_account"): {"form_data": 320},
    (SessionsState, "set_filter"): {"status_filter": 32},
    (SessionsState, "save_rename"): {"form_data": 400},
    (SessionsState, "change_setting"): {"key": 64, "value": 64},
    (SessionsState, "change_status"): {"status": 32},
}


# What an event costs from its tab's and its address's budgets, where it is more than one: a
# page load runs the page's on_load handlers (reads, and for a signed-out tab a redirect), an
# export reads the user's whole history, the account actions reach every tab of the user. A
# person sends a few a minute; an attacker's budget buys that many fewer. (Session tokens have
# a budget of their own, `SMNB_ADDRESS_SIGN_INS_PER_MINUTE`.)
EVENT_COSTS: dict[tuple[type[State], str], int] = {
    (OnLoadInternalState, "on_load_internal"): 5,
    (AccountState, "download_my_data"): 10,
    (AccountState, "sign_out_everywhere"): 10,
    (AccountState, "delete_account"): 10,
}


def event_costs() -> dict[str, int]:
    """`EVENT_COSTS` by full event name.

    Returns:
        `state path.handler` -> its cost.
    """
    return {format_event_handler(state.event_handlers[name]): cost for (state, name), cost in EVENT_COSTS.items()}


SIGN_IN_EVENT = format_event_handler(AuthState.event_handlers["set_session_token"])
# A page hydrates once per connection (its boot event, in the CONNECT packet); each is the
# costliest event there is (a whole state tree loaded and sent), so a second one is refused.
ONCE_PER_CONNECTION = frozenset(
    format_event_handler(State.event_handlers[name]) for name in ("hydrate", "hydrate_and_load")
)


def browser_events() -> dict[str, HandlerShape]:
    """The handlers of `BROWSER_EVENTS` by their full event name, with their arguments.

    Returns:
        `state path.handler` (as the browser sends it) -> the handler's shape.

    Raises:
        KeyError: A listed handler does not exist (a rename left the list behind).
    """
    return {
        format_event_handler(state.event_handlers[name]): shape_of(
            state.event_handlers[name], PAYLOAD_CHECKS.get((state, name)), STRING_LIMITS.get((state, name))
        )
        for state, names in BROWSER_EVENTS.items()
        for name in names
    }
