"""The sessions page's rows: their shape, the filters, the setting values a browser sends, and reading pages.

Everything here is pure except `load_page` and `load_listing`, which read the user's sessions
through the database session they are given.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlmodel import Session

from smnb_app.db import SESSION_STATUSES
from smnb_app.services.sessions import CONTROL_MODES, MODELS, SessionValidationError, SessionView, list_sessions
from smnb_app.services.sessions.queries import MAX_SESSION_ID
from smnb_app.services.sessions.settings import EDITABLE_BY_MODE, SETTING_KEYS, SETTING_RANGES, setting_problem

__all__ = [
    "CONTROL_MODES",
    "MODELS",
    "PAGE_SIZE",
    "SETTING_RANGES",
    "STATUS_FILTERS",
    "Listing",
    "SessionRow",
    "load_listing",
    "load_page",
    "row_from_view",
    "session_ref",
    "setting_key",
    "setting_value",
    "status_for_filter",
]

PAGE_SIZE = 20
MAX_SETTING_KEY = 32
STATUS_FILTERS: tuple[str, ...] = ("all", *SESSION_STATUSES)
# Float settings come from sliders; rounding drops binary noise such as 0.7000000000000001.
_FLOAT_DIGITS = 4


@dataclasses.dataclass(frozen=True)
class SessionRow:
    """One session as the page renders it: settings flattened, editability precomputed."""

    id: int
    name: str
    status: str
    model: str
    temperature: float
    max_tokens: int
    top_p: float
    frequency_penalty: float
    presence_penalty: float
    control_mode: str
    created_at: int
    updated_at: int
    editable: bool
    basic_editable: bool
    all_editable: bool


@dataclasses.dataclass(frozen=True)
class Listing:
    """The sessions a tab shows and the cursor of the page after them."""

    rows: tuple[SessionRow, ...]
    next_cursor: str | None


def row_from_view(view: SessionView) -> SessionRow:
    """Flatten a session view for the page.

    Args:
        view: The service's view of a session.

    Returns:
        The row: `basic_editable` (model, temperature) and `all_editable` follow the control
        mode; nothing is editable when the session is archived.
    """
    settings = view.settings
    editable = view.status != "archived"
    allowed = EDITABLE_BY_MODE.get(settings["control_mode"], frozenset())
    return SessionRow(
        id=view.id,
        name=view.name,
        status=view.status,
        model=settings["model"],
        temperature=settings["temperature"],
        max_tokens=settings["max_tokens"],
        top_p=settings["top_p"],
        frequency_penalty=settings["frequency_penalty"],
        presence_penalty=settings["presence_penalty"],
        control_mode=settings["control_mode"],
        created_at=view.created_at,
        updated_at=view.updated_at,
        editable=editable,
        basic_editable=editable and "model" in allowed,
        all_editable=editable and allowed >= set(SETTING_KEYS),
    )


def status_for_filter(status_filter: str) -> str | None:
    """The service's status argument for a filter of the page.

    Args:
        status_filter: One of `STATUS_FILTERS`.

    Returns:
        None for "all", else the status itself.

    Raises:
        ValueError: If it is not a known filter.
    """
    if status_filter not in STATUS_FILTERS:
        raise ValueError(f"unknown status filter {status_filter!r}")
    return None if status_filter == "all" else status_filter


def session_ref(raw: Any) -> int:
    """A session id from the browser, as the tab keeps it; anything but a plausible id is 0.

    Ownership is the service's business (0 is "Session not found"); this only keeps forged
    payloads (a megabyte of text, a dict) out of the tab's state and its messages.

    Args:
        raw: What the browser sent.

    Returns:
        The id, or 0.
    """
    return raw if type(raw) is int and 0 < raw <= MAX_SESSION_ID else 0


def setting_key(raw: Any) -> str:
    """A setting's name from the browser, short enough to quote in a refusal.

    Every real setting name is shorter than the cut, so a cut name stays unknown.

    Args:
        raw: What the browser sent.

    Returns:
        The name (at most 32 characters), or "?" for anything but a string.
    """
    return raw[:MAX_SETTING_KEY] if isinstance(raw, str) else "?"


def setting_value(key: str, raw: Any) -> Any:
    """Turn a control's value into the value the service expects, checking numbers first.

    Sliders send a list of numbers; max_tokens must reach the service as an int. A number is
    checked for type and range before anything converts it, so no huge integer, NaN or
    infinity gets near `float()` or `int()`. Choices (model, control mode) and unknown keys
    pass unchanged for the service to judge.

    Args:
        key: The setting's name.
        raw: What the control sent.

    Returns:
        The value to store.

    Raises:
        SessionValidationError: A numeric setting that is not a number in its range.
    """
    value = raw[0] if isinstance(raw, list) and len(raw) == 1 else raw
    if key not in SETTING_RANGES:
        return value
    if key == "max_tokens" and type(value) is float and value.is_integer():
        value = int(value)  # is_integer() is False for NaN and infinities
    problem = setting_problem(key, value)
    if problem is not None:
        raise SessionValidationError(problem)
    # `setting_problem` has refused everything but numbers: the check only tells the type checker.
    if key == "max_tokens" or not isinstance(value, int | float):
        return value
    return round(float(value), _FLOAT_DIGITS)


def load_page(db: Session, *, user_id: int, status: str | None, cursor: str | None) -> Listing:
    """Read one page of `PAGE_SIZE` of a user's sessions, newest first.

    Args:
        db: A database session with no transaction in progress.
        user_id: The verified user's id.
        status: Only this status; all when None.
        cursor: Where the page starts; the first page when None.

    Returns:
        The page's rows and the cursor after them.
    """
    page = list_sessions(db=db, user_id=user_id, status=status, cursor=cursor, limit=PAGE_SIZE)
    return Listing(rows=tuple(row_from_view(view) for view in page.items), next_cursor=page.next_cursor)


def load_listing(db: Session, *, user_id: int, status: str | None, pages: int) -> Listing:
    """Read the first `pages` pages of a user's sessions, newest first.

    Args:
        db: A database session with no transaction in progress.
        user_id: The verified user's id.
        status: Only this status; all when None.
        pages: How many pages of `PAGE_SIZE` the tab has loaded.

    Returns:
        The rows of those pages and the cursor after them.
    """
    rows: list[SessionRow] = []
    cursor: str | None = None
    for _ in range(max(1, pages)):
        page = load_page(db, user_id=user_id, status=status, cursor=cursor)
        rows.extend(page.rows)
        cursor = page.next_cursor
        if cursor is None:
            break
    return Listing(rows=tuple(rows), next_cursor=cursor)
