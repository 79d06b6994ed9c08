"""Session settings: defaults, validation of (partial) settings, and the control-mode rules."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from smnb_app.services.sessions.errors import SessionRuleError, SessionValidationError

MODELS: tuple[str, ...] = (
    "claude-3-opus",
    "claude-3-sonnet",
    "claude-3-haiku",
    "gpt-4",
    "gpt-4-turbo",
)
CONTROL_MODES: tuple[str, ...] = ("hands-free", "balanced", "full-control")

_DEFAULTS: dict[str, Any] = {
    "model": "claude-3-sonnet",
    "temperature": 0.7,
    "max_tokens": 2048,
    "top_p": 1.0,
    "frequency_penalty": 0.0,
    "presence_penalty": 0.0,
    "control_mode": "balanced",
}
SETTING_KEYS: tuple[str, ...] = tuple(_DEFAULTS)
_CHOICES: dict[str, tuple[str, ...]] = {"model": MODELS, "control_mode": CONTROL_MODES}
SETTING_RANGES: dict[str, tuple[float, float]] = {
    "temperature": (0, 2),
    "max_tokens": (256, 4096),
    "top_p": (0, 1),
    "frequency_penalty": (-2, 2),
    "presence_penalty": (-2, 2),
}
_INTEGER_KEYS = frozenset({"max_tokens"})
# What each mode lets the user change besides control_mode itself (always changeable).
EDITABLE_BY_MODE: dict[str, frozenset[str]] = {
    "hands-free": frozenset(),
    "balanced": frozenset({"model", "temperature"}),
    "full-control": frozenset(SETTING_KEYS),
}


def default_settings() -> dict[str, Any]:
    """Return a fresh copy of the default settings.

    Returns:
        Every setting with its default value.
    """
    return dict(_DEFAULTS)


def stored_settings(raw: Any) -> dict[str, Any]:
    """Read settings as stored, filling any missing key with its default.

    Args:
        raw: The JSON value of the `settings` column.

    Returns:
        A complete settings dict.
    """
    stored = raw if isinstance(raw, Mapping) else {}
    return {key: stored.get(key, default) for key, default in _DEFAULTS.items()}


def setting_problem(key: str, value: Any) -> str | None:
    """What is wrong with one setting's value, checked without converting it.

    Args:
        key: One of `SETTING_KEYS`.
        value: The value as received.

    Returns:
        A message such as "temperature must be between 0 and 2", or None when it is valid.
    """
    if key in _CHOICES:
        if not isinstance(value, str) or value not in _CHOICES[key]:
            return f"{key} must be one of: {', '.join(_CHOICES[key])}"
        return None
    low, high = SETTING_RANGES[key]
    # bool is an int subclass, but True is not a temperature.
    if key in _INTEGER_KEYS and (isinstance(value, bool) or not isinstance(value, int)):
        return f"{key} must be an integer"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"{key} must be a number"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{key} must be a finite number"
    if not low <= value <= high:
        return f"{key} must be between {low:g} and {high:g}"
    return None


def validate_settings(changes: Any) -> dict[str, Any]:
    """Validate a partial settings mapping.

    Args:
        changes: The settings to check; any subset of `SETTING_KEYS`.

    Returns:
        The validated values, numbers normalized (float ranges as float, max_tokens as int).

    Raises:
        SessionValidationError: Listing every problem, e.g. "temperature must be between 0 and 2".
    """
    if not isinstance(changes, Mapping):
        raise SessionValidationError("Settings must be an object")
    unknown = sorted(str(key) for key in changes if key not in _DEFAULTS)
    problems = [f"Unknown setting: {', '.join(unknown)}"] if unknown else []
    problems += [
        problem
        for key in SETTING_KEYS
        if key in changes and (problem := setting_problem(key, changes[key])) is not None
    ]
    if problems:
        raise SessionValidationError("; ".join(problems))
    return {
        key: changes[key] if key in _CHOICES or key in _INTEGER_KEYS else float(changes[key])
        for key in SETTING_KEYS
        if key in changes
    }


def check_control_mode(mode: str, changed_keys: set[str]) -> None:
    """Enforce what a control mode lets the user change.

    Args:
        mode: The control mode in force (the resulting one when the same call changes it).
        changed_keys: The settings whose value actually changes, control_mode excluded.

    Raises:
        SessionRuleError: If the mode forbids changing one of them.
    """
    forbidden = sorted(changed_keys - EDITABLE_BY_MODE[mode])
    if not forbidden:
        return
    if mode == "hands-free":
        raise SessionRuleError(f"Hands-free mode does not allow changing {', '.join(forbidden)}")
    raise SessionRuleError(f"Balanced mode only allows changing model and temperature, not {', '.join(forbidden)}")
