"""The event guard's payload check: the handler's arguments, of the handler's types, nothing else."""

from __future__ import annotations

from typing import Any

import pytest

from smnb_app.web.browser_events import browser_events
from smnb_app.web.guard.payloads import DEFAULT_MAX_STRING, frame_problem, matches, payload_problem, shape_of
from smnb_app.web.sessions.state import SessionsState
from smnb_app.web.signin.state import AuthState

CHANGE_SETTING = shape_of(SessionsState.event_handlers["change_setting"])
SET_FILTER = shape_of(SessionsState.event_handlers["set_filter"])
SET_TOKEN = shape_of(AuthState.event_handlers["set_session_token"])


def test_a_well_formed_payload_passes() -> None:
    assert payload_problem(CHANGE_SETTING, {"session_id": 3, "key": "temperature", "value": [0.5]}) is None
    assert payload_problem(SET_FILTER, {"status_filter": "paused"}) is None
    assert payload_problem(SET_TOKEN, {"token": ""}) is None


@pytest.mark.parametrize(
    ("shape", "payload", "problem"),
    [
        (CHANGE_SETTING, ["x"], "the payload is not an object"),
        (CHANGE_SETTING, {"session_id": 3, "key": "k", "value": 1, "status": "x"}, "unknown argument 'status'"),
        (CHANGE_SETTING, {"key": "temperature", "value": 1}, "missing argument session_id"),
        (CHANGE_SETTING, {"session_id": "3", "key": "k", "value": 1}, "wrong type for session_id"),
        (CHANGE_SETTING, {"session_id": True, "key": "k", "value": 1}, "wrong type for session_id"),
        (CHANGE_SETTING, {"session_id": 3.0, "key": ["k"], "value": 1}, "wrong type for session_id, key"),
        (SET_FILTER, {"status_filter": {"$ne": 1}}, "wrong type for status_filter"),
        (SET_TOKEN, {"token": {"sub": "user_x"}}, "wrong type for token"),
        (SET_TOKEN, {"token": None}, "wrong type for token"),
    ],
)
def test_a_malformed_payload_is_named_without_its_values(shape, payload: Any, problem: str) -> None:
    assert payload_problem(shape, payload) == problem


def test_unknown_argument_names_are_escaped_and_cut() -> None:
    problem = payload_problem(SET_TOKEN, {"token": "", "x\n[ERROR] fake" + "y" * 100: 1})
    assert problem is not None and "\n" not in problem and len(problem) < 80


@pytest.mark.parametrize(
    ("value", "hint", "fits"),
    [
        (1, int, True),
        (True, int, False),
        (1.5, int, False),
        (1, float, True),
        (None, int | None, True),
        ("a", str | list[str], True),
        (["a"], str | list[str], True),
        ({}, list[str], False),
        ({"a": 1}, dict[str, Any], True),
        (object(), Any, True),
    ],
)
def test_values_match_hints_strictly(value: Any, hint: Any, fits: bool) -> None:
    assert matches(value, hint) is fits


def test_every_browser_event_has_a_readable_shape() -> None:
    shapes = browser_events()
    assert all(shape.required <= shape.hints.keys() for shape in shapes.values())
    hydrate = next(shape for name, shape in shapes.items() if name.endswith(".hydrate_and_load"))
    assert hydrate.required == frozenset()


def test_forged_client_storage_values_are_refused_before_reflex_looks_them_up() -> None:
    shapes = browser_events()
    hydrate = next(shape for name, shape in shapes.items() if name.endswith(".hydrate_and_load"))
    update = next(shape for name, shape in shapes.items() if name.endswith(".update_vars_internal"))
    assert payload_problem(hydrate, {"vars": {}, "hashes": []}) is None
    assert payload_problem(hydrate, {"vars": {"x": 1}}) == "client storage values for an app without any"
    assert payload_problem(update, {"vars": {"nope.x": 1}}) == "client storage values for an app without any"
    assert payload_problem(hydrate, {"hashes": [1, {}]}) == "wrong type for hashes"


@pytest.mark.parametrize(
    ("frame", "problem"),
    [
        ("a string", "the event is not an object"),
        ({"payload": {}}, "a handler the browser may not call ('None')"),
        ({"name": 7}, "a handler the browser may not call ('7')"),
        ({"name": "x\n[ERROR] forged"}, "a handler the browser may not call ('x\\n[ERROR] forged')"),
        ({"name": "KNOWN", "payload": []}, "the payload or the route is not an object"),
        ({"name": "KNOWN", "router_data": "x"}, "the payload or the route is not an object"),
        ({"name": "KNOWN", "payload": {}, "router_data": {}}, "missing argument token"),
        ({"name": "KNOWN", "payload": {"token": ""}, "router_data": {}}, None),
        ({"name": "KNOWN", "payload": {"token": ""}, "router_data": {"pathname": "/" * 3000}}, "the route is too long"),
        ({"name": "KNOWN", "payload": {"token": ""}, "router_data": {"asPath": "x]@[::1"}}, "the route is not a path"),
        (
            {"name": "KNOWN", "payload": {"token": ""}, "router_data": {"asPath": "//evil.example/"}},
            "the route is not a path",
        ),
        ({"name": "KNOWN", "payload": {"token": ""}, "router_data": {"pathname": 7}}, "the route is not a path"),
        (
            {"name": "KNOWN", "payload": {"token": ""}, "router_data": {"query": {"a": ["b"]}}},
            "the route is a query that is not an object of strings",
        ),
        (
            {
                "name": "KNOWN",
                "payload": {"token": ""},
                "router_data": {"pathname": "/sessions", "asPath": "/sessions?next=%2F#x", "query": {"next": "/"}},
            },
            None,
        ),
    ],
)
def test_websocket_frames_are_checked_before_reflex_reads_them(frame, problem) -> None:
    assert frame_problem(frame, {"KNOWN": SET_TOKEN}) == problem


# The 39 KB error text that held a worker for 30 s in Reflex's auto-reload regexes.
CRAFTED_INFO = ("TypeError: can't access property \"" + '", ') * 1000


def test_the_crafted_frontend_error_is_refused_by_its_length() -> None:
    shapes = browser_events()
    name = next(name for name in shapes if name.endswith(".handle_frontend_exception"))
    frame = {"name": name, "payload": {"info": CRAFTED_INFO, "component_stack": ""}, "router_data": {}}
    assert frame_problem(frame, shapes) == "info: too long"
    fits = {"name": name, "payload": {"info": "TypeError: x", "component_stack": "at App"}, "router_data": {}}
    assert frame_problem(fits, shapes) is None


@pytest.mark.parametrize(
    ("payload", "problem"),
    [
        ({"session_id": 1, "key": "k" * 65, "value": 1}, "key: too long"),
        ({"session_id": 1, "key": "temperature", "value": "v" * 65}, "value: too long"),
        ({"session_id": 1, "key": "temperature", "value": [[[[[[[1]]]]]]]}, "value: nested too deep"),
        ({"session_id": 1, "key": "temperature", "value": list(range(65))}, "value: too many items"),
        ({"session_id": 1, "key": "temperature", "value": {"k" * 65: 1}}, "value: too long"),
        ({"session_id": 1, "key": "temperature", "value": [0.5]}, None),
    ],
)
def test_every_string_and_container_in_a_payload_is_bounded(payload: dict, problem: str | None) -> None:
    shapes = browser_events()
    change = next(shape for name, shape in shapes.items() if name.endswith(".change_setting"))
    assert payload_problem(change, payload) == problem


def test_strings_without_a_bound_of_their_own_get_the_default() -> None:
    assert payload_problem(SET_TOKEN, {"token": "t" * DEFAULT_MAX_STRING}) is None
    assert payload_problem(SET_TOKEN, {"token": "t" * (DEFAULT_MAX_STRING + 1)}) == "token: too long"


def test_a_bound_for_an_argument_the_handler_lacks_is_a_mistake() -> None:
    with pytest.raises(KeyError, match="takes no argument nope"):
        shape_of(AuthState.event_handlers["set_session_token"], limits={"nope": 1})
