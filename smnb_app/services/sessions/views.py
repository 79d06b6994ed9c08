"""Read models of the session service and the opaque pagination cursor."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import RowMapping

from smnb_app.db.models import ModelSession
from smnb_app.services.sessions.errors import SessionValidationError
from smnb_app.services.sessions.settings import stored_settings

_CURSOR_TEXT = re.compile(r"(\d{1,18}):(\d{1,18})")
_CURSOR_MAX_LEN = 64


@dataclass(frozen=True)
class SessionView:
    """One session as the UI sees it (timestamps in epoch milliseconds)."""

    id: int
    name: str
    status: str
    settings: dict[str, Any]
    created_at: int
    updated_at: int

    def to_dict(self) -> dict[str, Any]:
        """Return the fields as a plain dict (settings copied).

        Returns:
            A new dict with one entry per field.
        """
        return asdict(self)


@dataclass(frozen=True)
class SessionPage:
    """One page of sessions, newest first; `next_cursor` is None on the last page."""

    items: tuple[SessionView, ...]
    next_cursor: str | None


@dataclass(frozen=True)
class StatusCounts:
    """How many sessions a user has in each status."""

    active: int
    paused: int
    archived: int
    total: int

    def to_dict(self) -> dict[str, int]:
        """Return the counts as a plain dict.

        Returns:
            A new dict with one entry per field.
        """
        return asdict(self)


@dataclass(frozen=True)
class SessionsTally:
    """A user's session counts and their newest change: what a tab shows, in brief.

    `version` changes with every create, change and delete (`updated_at` strictly increases and
    a delete lowers the total), so a tab holding an older version knows it missed something.
    """

    counts: StatusCounts
    latest_update: int

    @property
    def version(self) -> tuple[int, int]:
        """`(latest_update, total)`: equal for a tab that is up to date."""
        return self.latest_update, self.counts.total


def session_view(row: ModelSession) -> SessionView:
    """Build the view of a session row.

    Args:
        row: A `sessions` row, loaded or flushed.

    Returns:
        Its view, with complete settings.

    Raises:
        ValueError: If the row was never flushed, so it has no id yet.
    """
    if row.id is None:
        raise ValueError("a session row must be flushed before it is viewed")
    return SessionView(
        id=row.id,
        name=row.name,
        status=row.status,
        settings=stored_settings(row.settings),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def view_from_columns(columns: RowMapping) -> SessionView:
    """Build the view of a session from its columns, as a Core statement returns them.

    Args:
        columns: The `sessions` row's columns by name.

    Returns:
        Its view, with complete settings.
    """
    return SessionView(
        id=columns["id"],
        name=columns["name"],
        status=columns["status"],
        settings=stored_settings(columns["settings"]),
        created_at=columns["created_at"],
        updated_at=columns["updated_at"],
    )


def encode_cursor(created_at: int, session_id: int) -> str:
    """Encode a keyset position as an opaque, URL-safe string.

    Args:
        created_at: The `created_at` of the last session on the page.
        session_id: The `id` of that session.

    Returns:
        base64url (unpadded) of "<created_at>:<id>".
    """
    return base64.urlsafe_b64encode(f"{created_at}:{session_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: Any) -> tuple[int, int]:
    """Decode a cursor made by `encode_cursor`.

    Args:
        cursor: The cursor as received.

    Returns:
        The position `(created_at, id)`.

    Raises:
        SessionValidationError: If it is not a cursor this service made.
    """
    if not isinstance(cursor, str) or not 0 < len(cursor) <= _CURSOR_MAX_LEN:
        raise SessionValidationError("Invalid cursor")
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        raise SessionValidationError("Invalid cursor") from None
    match = _CURSOR_TEXT.fullmatch(text)
    if match is None or encode_cursor(int(match[1]), int(match[2])) != cursor:
        raise SessionValidationError("Invalid cursor")
    return int(match[1]), int(match[2])
