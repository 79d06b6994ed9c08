"""Session names: validation, the default name and the name of a copy."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Any

from smnb_app.db.models import SESSION_NAME_MAX
from smnb_app.services.sessions.errors import SessionValidationError

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_COPY_SUFFIX = " (Copy)"
# Bidirectional overrides and isolates (Cf) let a name display as different text. Other Cf
# characters stay allowed: emoji sequences need the zero-width joiner.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def validate_name(name: Any) -> str:
    """Check and normalize a session name.

    Args:
        name: The name as given.

    Returns:
        The name with surrounding whitespace removed.

    Raises:
        SessionValidationError: If it is not a string, is empty or longer than 100 characters
            after trimming, or contains control characters.
    """
    if not isinstance(name, str):
        raise SessionValidationError("Name must be a string")
    clean = name.strip()
    if not 1 <= len(clean) <= SESSION_NAME_MAX:
        raise SessionValidationError(f"Name must be 1 to {SESSION_NAME_MAX} characters")
    # Cs: lone surrogates cannot even be stored as UTF-8.
    if any(unicodedata.category(c) in ("Cc", "Cs") or c in _BIDI_CONTROLS for c in clean):
        raise SessionValidationError("Name must not contain control characters")
    return clean


def default_name(now_ms: int) -> str:
    """Name a new session after its creation date (UTC), e.g. "Session Nov 26, 2026".

    Args:
        now_ms: The creation time in epoch milliseconds.

    Returns:
        The default name, independent of the process locale.
    """
    day = datetime.fromtimestamp(now_ms / 1000, tz=UTC)
    return f"Session {_MONTHS[day.month - 1]} {day.day}, {day.year}"


def copy_name(name: str) -> str:
    """Name a duplicate "<name> (Copy)", shortening the original so it fits 100 characters.

    Args:
        name: The original session's name.

    Returns:
        The duplicate's name.
    """
    room = SESSION_NAME_MAX - len(_COPY_SUFFIX)
    return name[:room].rstrip() + _COPY_SUFFIX
