"""Session reads: list (keyset pages), count per status, get; plus the ownership check.

See `smnb_app.services.sessions` for the contract all session functions share.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Integer, Select, bindparam, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from smnb_app.db import SESSION_STATUSES, ModelSession, table_of
from smnb_app.services.sessions.errors import SessionNotFound, SessionValidationError
from smnb_app.services.sessions.views import (
    SessionPage,
    SessionsTally,
    SessionView,
    StatusCounts,
    decode_cursor,
    encode_cursor,
    session_view,
    view_from_columns,
)

MAX_PAGE_SIZE = 100
MAX_SESSION_ID = 2**63 - 1
# Read after every change and on every token: built once, with a bound parameter.
_TALLY = (
    select(ModelSession.status, func.count(), func.max(ModelSession.updated_at))
    .where(ModelSession.user_id == bindparam("user_id", type_=Integer))
    .group_by(ModelSession.status)
)


def _listing(*, by_status: bool, after_cursor: bool) -> Select:
    table = table_of(ModelSession)
    stmt = sa_select(table).where(table.c.user_id == bindparam("user_id", type_=Integer))
    if by_status:
        stmt = stmt.where(table.c.status == bindparam("status"))
    if after_cursor:
        created_at, last_id = bindparam("created_at", type_=BigInteger), bindparam("last_id", type_=Integer)
        stmt = stmt.where(table.c.created_at <= created_at, or_(table.c.created_at < created_at, table.c.id < last_id))
    return stmt.order_by(table.c.created_at.desc(), table.c.id.desc()).limit(bindparam("limit", type_=Integer))


# A page of the list is read on every load, filter change and follow-up: each shape built once.
_LISTINGS = {
    (by_status, after_cursor): _listing(by_status=by_status, after_cursor=after_cursor)
    for by_status in (False, True)
    for after_cursor in (False, True)
}


def validate_status(status: Any) -> str:
    """Check a session status.

    Args:
        status: The status as given.

    Returns:
        The status.

    Raises:
        SessionValidationError: If it is not one of active, paused, archived.
    """
    if not isinstance(status, str) or status not in SESSION_STATUSES:
        raise SessionValidationError(f"status must be one of: {', '.join(SESSION_STATUSES)}")
    return status


def require_session_id(session_id: Any) -> int:
    """Check that a session id, as received, could name a session.

    Args:
        session_id: The id from the browser.

    Returns:
        The id.

    Raises:
        SessionNotFound: If it is not a positive 64-bit integer (answered exactly like someone
            else's session: it reveals nothing).
    """
    if isinstance(session_id, bool) or not isinstance(session_id, int) or not 0 < session_id <= MAX_SESSION_ID:
        raise SessionNotFound()
    return session_id


def owned_session(db: Session, user_id: int, session_id: Any, *, lock: bool = False) -> ModelSession:
    """Load one of the user's sessions inside the caller's transaction.

    Args:
        db: A database session inside a transaction.
        user_id: The acting user's id.
        session_id: The session's id, as received.
        lock: Read it FOR UPDATE (PostgreSQL), before changing it.

    Returns:
        The row.

    Raises:
        SessionNotFound: If it is missing, someone else's, or the id is malformed.
    """
    require_session_id(session_id)
    stmt = select(ModelSession).where(ModelSession.id == session_id, ModelSession.user_id == user_id)
    if lock:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    row = db.exec(stmt).first()
    if row is None:
        raise SessionNotFound()
    return row


def list_sessions(
    *,
    db: Session,
    user_id: int,
    status: str | None = None,
    cursor: str | None = None,
    limit: int = 20,
) -> SessionPage:
    """List a user's sessions newest first (created_at desc, id desc), one page at a time.

    Keyset pagination: a cursor marks the last session of the previous page, so every session
    that existed when the listing began appears exactly once, even while new ones are created.

    Args:
        db: A database session with no transaction in progress.
        user_id: The acting user's id.
        status: Only sessions in this status; all when None.
        cursor: The `next_cursor` of the previous page; None for the first page.
        limit: Page size, 1 to 100.

    Returns:
        The page and the cursor of the next one (None when this is the last).

    Raises:
        SessionValidationError: On an unknown status, a bad cursor or a bad limit.
    """
    if status is not None:
        validate_status(status)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_PAGE_SIZE:
        raise SessionValidationError(f"limit must be an integer from 1 to {MAX_PAGE_SIZE}")
    params: dict[str, Any] = {"user_id": user_id, "status": status, "limit": limit + 1}
    if cursor is not None:
        params["created_at"], params["last_id"] = decode_cursor(cursor)
    with db.begin():
        # SQLModel's `exec` declares no overload for a Core SELECT of a table (fastapi/sqlmodel#909)
        # and runs it through this same `execute`.
        rows = db.execute(_LISTINGS[status is not None, cursor is not None], params).mappings().all()
    items = tuple(view_from_columns(row) for row in rows[:limit])
    more = len(rows) > limit
    return SessionPage(
        items=items,
        next_cursor=encode_cursor(items[-1].created_at, items[-1].id) if more else None,
    )


def tally_sessions(*, db: Session, user_id: int) -> SessionsTally:
    """Count a user's sessions per status and find their newest change, in one GROUP BY query.

    Args:
        db: A database session with no transaction in progress.
        user_id: The acting user's id.

    Returns:
        The counts per status and in total, and the largest `updated_at` (0 with no sessions).
    """
    with db.begin():
        groups = db.exec(_TALLY, params={"user_id": user_id}).all()
    counts = {status: count for status, count, _ in groups}
    per_status = {status: counts.get(status, 0) for status in SESSION_STATUSES}
    return SessionsTally(
        counts=StatusCounts(**per_status, total=sum(per_status.values())),
        latest_update=max((latest for _, _, latest in groups), default=0),
    )


def count_sessions(*, db: Session, user_id: int) -> StatusCounts:
    """Count a user's sessions per status with one GROUP BY query.

    Args:
        db: A database session with no transaction in progress.
        user_id: The acting user's id.

    Returns:
        The counts per status and in total.
    """
    return tally_sessions(db=db, user_id=user_id).counts


def get_session(*, db: Session, user_id: int, session_id: int) -> SessionView:
    """Read one of the user's sessions.

    Args:
        db: A database session with no transaction in progress.
        user_id: The acting user's id.
        session_id: The session's id.

    Returns:
        The session.

    Raises:
        SessionNotFound: If it is missing or someone else's.
    """
    with db.begin():
        return session_view(owned_session(db, user_id, session_id))
