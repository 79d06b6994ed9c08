"""The shape of an event a browser may send: which arguments its handler takes, of which types, how long.

Checked at the websocket before Reflex queues anything, so a forged payload (an unknown
argument, a missing one, a dict where a number belongs, a string long enough to make a regex
or a parser work for seconds) is refused whole instead of failing inside the handler. Every
string has a length bound: `DEFAULT_MAX_STRING` unless the handler's argument has a tighter
(or, where needed, looser) one; containers have bounded depth and size.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from reflex.event import EventHandler

PayloadCheck = Callable[[Mapping[str, Any]], "str | None"]

DEFAULT_MAX_STRING = 4096
ROUTE_MAX_STRING = 2048
MAX_DEPTH = 6
MAX_ITEMS = 64


@dataclass(frozen=True)
class HandlerShape:
    """The arguments of one event handler.

    Attributes:
        hints: Each argument's type hint (`Any` when it has none).
        required: The arguments without a default.
        check: A further rule of this handler's payload, run once the types fit.
        limits: The longest string each argument may hold (anywhere inside it), where it is
            not `DEFAULT_MAX_STRING`.
    """

    hints: Mapping[str, Any]
    required: frozenset[str]
    check: PayloadCheck | None = None
    limits: Mapping[str, int] = field(default_factory=dict)


def shape_of(
    handler: EventHandler, check: PayloadCheck | None = None, limits: Mapping[str, int] | None = None
) -> HandlerShape:
    """Read a handler's arguments (after `self`) and their type hints.

    Args:
        handler: The event handler.
        check: A further rule of its payload, if any.
        limits: String bounds by argument, where the default does not fit.

    Returns:
        Its shape.

    Raises:
        KeyError: A limit names an argument the handler does not take.
    """
    parameters = list(inspect.signature(handler.fn).parameters.values())[1:]
    try:
        resolved = typing.get_type_hints(handler.fn)
    except Exception:  # noqa: BLE001 - an unresolvable hint is checked as Any
        resolved = {}
    hints = {p.name: resolved.get(p.name, Any) for p in parameters}
    unknown = sorted(set(limits or {}) - hints.keys())
    if unknown:
        raise KeyError(f"{handler.fn.__qualname__} takes no argument {', '.join(unknown)}")
    return HandlerShape(
        hints=hints,
        required=frozenset(p.name for p in parameters if p.default is inspect.Parameter.empty),
        check=check,
        limits=dict(limits or {}),
    )


def size_problem(value: Any, *, max_string: int, depth: int = 0) -> str | None:
    """What makes a decoded JSON value too big to hand on, or None.

    Args:
        value: The value.
        max_string: The longest string allowed anywhere inside it (object keys included).
        depth: How deep `value` already sits.

    Returns:
        "too long", "too many items" or "nested too deep"; None when it fits.
    """
    if isinstance(value, str):
        return "too long" if len(value) > max_string else None
    if isinstance(value, (list, dict)):
        if depth >= MAX_DEPTH:
            return "nested too deep"
        if len(value) > MAX_ITEMS:
            return "too many items"
        items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
        for item in items:
            problem = size_problem(item, max_string=max_string, depth=depth + 1)
            if problem is not None:
                return problem
    return None


def matches(value: Any, hint: Any) -> bool:
    """Whether a JSON value fits a type hint (numbers strictly: a bool is no int).

    Args:
        value: The decoded JSON value.
        hint: The handler's hint for it.

    Returns:
        True when it fits, or when the hint is too loose or too unusual to say.
    """
    if hint is Any or hint is object:
        return True
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(matches(value, option) for option in typing.get_args(hint))
    if hint is None or hint is type(None):
        return value is None
    base, args = origin or hint, typing.get_args(hint)
    if base is int:
        return type(value) is int
    if base is float:
        return type(value) in (int, float)
    if base is list:
        return isinstance(value, list) and (not args or all(matches(item, args[0]) for item in value))
    if base is dict:
        return isinstance(value, dict) and (
            not args or all(matches(key, args[0]) and matches(item, args[1]) for key, item in value.items())
        )
    if isinstance(base, type):
        return isinstance(value, base)
    return True


def payload_problem(shape: HandlerShape, payload: Any) -> str | None:
    """What is wrong with a payload for a handler of `shape`, or None when it fits.

    Args:
        shape: The handler's arguments.
        payload: The event's payload as received.

    Returns:
        A short reason (naming arguments, never values), or None.
    """
    if not isinstance(payload, dict):
        return "the payload is not an object"
    unknown = sorted(repr(str(name)[:40]) for name in payload if name not in shape.hints)
    if unknown:
        return f"unknown argument {', '.join(unknown[:3])}"
    missing = sorted(shape.required - payload.keys())
    if missing:
        return f"missing argument {', '.join(missing)}"
    for name, value in payload.items():
        problem = size_problem(value, max_string=shape.limits.get(name, DEFAULT_MAX_STRING))
        if problem is not None:
            return f"{name}: {problem}"
    wrong = [name for name, value in payload.items() if not matches(value, shape.hints[name])]
    if wrong:
        return f"wrong type for {', '.join(wrong)}"
    return shape.check(payload) if shape.check is not None else None


def frame_problem(frame: Any, allowed: Mapping[str, HandlerShape]) -> str | None:
    """What is wrong with a websocket event frame before Reflex reads it, or None.

    Args:
        frame: The decoded frame: `{"name": ..., "payload": {...}, "router_data": {...}}`.
        allowed: The handlers a browser may call, by full event name.

    Returns:
        A short reason (the name shown escaped and cut; never a value), or None when Reflex may
        queue it.
    """
    if not isinstance(frame, dict):
        return "the event is not an object"
    name = frame.get("name")
    shape = allowed.get(name) if isinstance(name, str) else None
    if shape is None:
        return f"a handler the browser may not call ({str(name)[:120]!r})"
    payload, route = frame.get("payload", {}), frame.get("router_data", {})
    if not isinstance(payload, dict) or not isinstance(route, dict):
        return "the payload or the route is not an object"
    problem = size_problem(route, max_string=ROUTE_MAX_STRING) or route_problem(route)
    if problem is not None:
        return f"the route is {problem}"
    return payload_problem(shape, payload)


def route_problem(route: Mapping[str, Any]) -> str | None:
    """What is wrong with a frame's `router_data` as a page sends it, or None.

    Reflex appends `asPath` to the page's origin and parses the result as a URL: a path that
    does not start with "/" would become part of the host, and an unmatched bracket there
    makes the parser raise inside the event.

    Args:
        route: The frame's `router_data` (an object).

    Returns:
        "not a path" or "a query that is not an object of strings", or None.
    """
    for key in ("pathname", "asPath"):
        value = route.get(key, "/")
        if not isinstance(value, str) or not value.startswith("/") or value.startswith("//"):
            return "not a path"
    query = route.get("query", {})
    if not isinstance(query, dict) or not all(isinstance(value, str) for value in query.values()):
        return "a query that is not an object of strings"
    return None


def no_client_storage(payload: Mapping[str, Any]) -> str | None:
    """Refuse client-storage values: the app keeps none in the browser, so any is forged.

    Args:
        payload: A hydrate or update-vars payload.

    Returns:
        A reason when `vars` holds anything.
    """
    return "client storage values for an app without any" if payload.get("vars") else None
