"""A one-column change of a session (its name or status) as one `UPDATE ... RETURNING`.

Renames and status changes are the commonest writes. Loading the row through the ORM, changing
it and flushing took a SELECT, an UPDATE and the unit of work's bookkeeping; one statement,
built once with bound parameters, does the same. Only when it changes nothing (someone else's
session, an archived one, or the value it already has) is the row read, to say which.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Update, bindparam, case, update
from sqlmodel import Session

from smnb_app.db import ModelSession, epoch_ms, table_of
from smnb_app.services.sessions.queries import owned_session, require_session_id
from smnb_app.services.sessions.views import SessionView, session_view, view_from_columns

_SESSIONS = table_of(ModelSession)
# Strictly increasing even within one millisecond, so updated_at can serve as a version.
_TOUCHED = case(
    (_SESSIONS.c.updated_at + 1 > bindparam("b_now_ms"), _SESSIONS.c.updated_at + 1), else_=bindparam("b_now_ms")
)


def _change_of(column: str, *, editable_only: bool) -> Update:
    conditions = [
        _SESSIONS.c.id == bindparam("b_session_id"),
        _SESSIONS.c.user_id == bindparam("b_user_id"),
        _SESSIONS.c[column] != bindparam("b_value"),
    ]
    if editable_only:
        conditions.append(_SESSIONS.c.status != "archived")
    return (
        update(_SESSIONS)
        .where(*conditions)
        .values({column: bindparam("b_value"), "updated_at": _TOUCHED})
        .returning(*_SESSIONS.c)
    )


_CHANGES = {
    "name": _change_of("name", editable_only=True),
    "status": _change_of("status", editable_only=False),
}


def change_column(
    db: Session,
    *,
    user_id: int,
    session_id: Any,
    column: str,
    value: str,
    now_ms: int | None,
    refuse: Callable[[ModelSession], None] | None = None,
) -> SessionView:
    """Set a session's name or status inside the caller's transaction.

    Args:
        db: A database session inside a transaction.
        user_id: The acting user's id.
        session_id: The session's id, as received.
        column: "name" (refused for archived sessions) or "status".
        value: The validated new value.
        now_ms: The current time in epoch ms; the clock when omitted.
        refuse: Called with the row when nothing changed (it raises for an archived session).

    Returns:
        The session after the change (unchanged when it already had the value).

    Raises:
        SessionNotFound: If the session is missing or someone else's.
    """
    # Named apart from the columns: SQLAlchemy keeps a column's own name for its SET value.
    params = {
        "b_session_id": require_session_id(session_id),
        "b_user_id": user_id,
        "b_value": value,
        "b_now_ms": epoch_ms(now_ms),
    }
    changed = db.exec(_CHANGES[column], params=params).mappings().first()
    if changed is not None:
        return view_from_columns(changed)
    row = owned_session(db, user_id, session_id, lock=True)
    if refuse is not None:
        refuse(row)
    return session_view(row)
