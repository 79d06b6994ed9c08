"""The shape of an event a browser may send: which arguments its handler takes, of which types.

Checked by the event guard before Reflex converts anything or calls the handler, so a forged
payload (an unknown argument, a missing one, a dict where a number belongs) is refused whole
instead of failing inside the handler.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from reflex.event import EventHandler

PayloadCheck = Callable[[Mapping[str, Any]], "str | None"]


@dataclass(frozen=True)
class HandlerShape:
    """The arguments of one event handler.

    Attributes:
        hints: Each argument's type hint (`Any` when it has none).
        required: The arguments without a default.
        check: A further rule of this handler's payload, run once the types fit.
    """

    hints: Mapping[str, Any]
    required: frozenset[str]
    check: PayloadCheck | None = None


def shape_of(handler: EventHandler, check: PayloadCheck | None = None) -> HandlerShape:
    """Read a handler's arguments (after `self`) and their type hints.

    Args:
        handler: The event handler.
        check: A further rule of its payload, if any.

    Returns:
        Its shape.
    """
    parameters = list(inspect.signature(handler.fn).parameters.values())[1:]
    try:
        resolved = typing.get_type_hints(handler.fn)
    except Exception:  # noqa: BLE001 - an unresolvable hint is checked as Any
        resolved = {}
    return HandlerShape(
        hints={p.name: resolved.get(p.name, Any) for p in parameters},
        required=frozenset(p.name for p in parameters if p.default is inspect.Parameter.empty),
        check=check,
    )


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
        A short reason (the name shown escaped and cut), or None when Reflex may queue it.
    """
    if not isinstance(frame, dict):
        return "the event is not an object"
    name = frame.get("name")
    if not isinstance(name, str) or name not in allowed:
        return f"a handler the browser may not call ({str(name)[:120]!r})"
    if not isinstance(frame.get("payload", {}), dict) or not isinstance(frame.get("router_data", {}), dict):
        return "the payload or the route is not an object"
    return None


def no_client_storage(payload: Mapping[str, Any]) -> str | None:
    """Refuse client-storage values: the app keeps none in the browser, so any is forged.

    Args:
        payload: A hydrate or update-vars payload.

    Returns:
        A reason when `vars` holds anything.
    """
    return "client storage values for an app without any" if payload.get("vars") else None
