"""Session changes: create, rename, update settings, set status, duplicate, delete.

See `smnb_app.services.sessions` for the contract all session functions share.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from smnb_app.db import ModelSession, User, epoch_ms
from smnb_app.services.sessions.changes import change_column
from smnb_app.services.sessions.errors import SessionRuleError
from smnb_app.services.sessions.names import copy_name, default_name, validate_name
from smnb_app.services.sessions.queries import owned_session, validate_status
from smnb_app.services.sessions.settings import (
    check_control_mode,
    default_settings,
    stored_settings,
    validate_settings,
)
from smnb_app.services.sessions.views import SessionView, session_view


def _touch(row: ModelSession, now_ms: int | None) -> None:
    # Strictly increasing even within one millisecond, so updated_at can serve as a version.
    row.updated_at = max(epoch_ms(now_ms), row.updated_at + 1)


def _locked_count(db: Session, user_id: int) -> int:
    # The user row is the per-user mutex: two concurrent creates (or deletes) cannot both pass a
    # check on the count.
    db.exec(select(User.id).where(User.id == user_id).with_for_update()).first()
    return db.exec(select(func.count()).select_from(ModelSession).where(ModelSession.user_id == user_id)).one()


def _check_room(db: Session, user_id: int, max_sessions: int | None) -> None:
    if max_sessions is not None and _locked_count(db, user_id) >= max_sessions:
        raise SessionRuleError(f"You have reached the limit of {max_sessions} sessions; delete one to make room")


def _refuse_archived(row: ModelSession) -> None:
    if row.status == "archived":
        raise SessionRuleError("Archived sessions cannot be edited; restore the session first")


def create_session(
    *,
    db: Session,
    user_id: int,
    name: str | None = None,
    settings: Mapping[str, Any] | None = None,
    now_ms: int | None = None,
    max_sessions: int | None = None,
) -> SessionView:
    """Create an active session for the user.

    Args:
        db: A database session with no transaction in progress.
        user_id: The acting user's id.
        name: The name; "Session <Mon D, YYYY>" (UTC) when None.
        settings: Partial settings laid over the defaults; no control-mode rule applies yet.
        now_ms: The current time in epoch ms; the clock when omitted.
        max_sessions: How many sessions the user may have at most; no limit when None.

    Returns:
        The new session.

    Raises:
        SessionValidationError: On a bad name or bad settings.
        SessionRuleError: If the user already has `max_sessions` sessions.
    """
    now = epoch_ms(now_ms)
    clean_name = default_name(now) if name is None else validate_name(name)
    merged = default_settings() | validate_settings({} if settings is None else settings)
    with db.begin():
        _check_room(db, user_id, max_sessions)
        row = ModelSession(
            user_id=user_id,
            name=clean_name,
            status="active",
            settings=merged,
            created_at=now,
            updated_at=now,
        )
        db.add(row)
        db.flush()
        return session_view(row)


def rename_session(*, db: Session, user_id: int, session_id: int, name: str, now_ms: int | None = None) -> SessionView:
    """Rename a session that is not archived.

    Args:
        db: A database session with no transaction in progress.
        user_id: The acting user's id.
        session_id: The session's id.
        name: The new name: 1 to 100 characters after trimming, no control characters.
        now_ms: The current time in epoch ms; the clock when omitted.

    Returns:
        The session after the change.

    Raises:
        SessionValidationError: On a bad name.
        SessionNotFound: If the session is missing or someone else's.
        SessionRuleError: If the session is archived.
    """
    clean_name = validate_name(name)
    with db.begin():
        return change_column(
            db,
            user_id=user_id,
            session_id=session_id,
            column="name",
            value=clean_name,
            now_ms=now_ms,
            refuse=_refuse_archived,
        )


def update_settings(
    *,
    db: Session,
    user_id: int,
    session_id: int,
    changes: Mapping[str, Any],
    now_ms: int | None = None,
) -> SessionView:
    """Change some settings of a session that is not archived.

    Only values that differ from the stored ones count as changes. The control mode in force
    is the resulting one: a call may switch to full-control and change max_tokens at once, but
    switching to hands-free while changing anything else is refused. control_mode itself may
    always change. hands-free allows nothing else, balanced allows model and temperature.

    Args:
        db: A database session with no transaction in progress.
        user_id: The acting user's id.
        session_id: The session's id.
        changes: The settings to change (any subset).
        now_ms: The current time in epoch ms; the clock when omitted.

    Returns:
        The session after the change.

    Raises:
        SessionValidationError: On an unknown key or a bad value.
        SessionNotFound: If the session is missing or someone else's.
        SessionRuleError: If the session is archived or its control mode forbids a change.
    """
    valid = validate_settings(changes)
    with db.begin():
        row = owned_session(db, user_id, session_id, lock=True)
        _refuse_archived(row)
        current = stored_settings(row.settings)
        changed = {key: value for key, value in valid.items() if current[key] != value}
        mode = changed.get("control_mode", current["control_mode"])
        check_control_mode(mode, set(changed) - {"control_mode"})
        if changed:
            row.settings = current | changed
            _touch(row, now_ms)
        return session_view(row)


def set_status(*, db: Session, user_id: int, session_id: int, status: str, now_ms: int | None = None) -> SessionView:
    """Set a session's status; the one change an archived session accepts.

    Args:
        db: A database session with no transaction in progress.
        user_id: The acting user's id.
        session_id: The session's id.
        status: active, paused or archived.
        now_ms: The current time in epoch ms; the clock when omitted.

    Returns:
        The session after the change.

    Raises:
        SessionValidationError: On an unknown status.
        SessionNotFound: If the session is missing or someone else's.
    """
    new_status = validate_status(status)
    with db.begin():
        return change_column(
            db, user_id=user_id, session_id=session_id, column="status", value=new_status, now_ms=now_ms
        )


def duplicate_session(
    *, db: Session, user_id: int, session_id: int, now_ms: int | None = None, max_sessions: int | None = None
) -> SessionView:
    """Copy a session (archived ones too: copying only reads the source) as "<name> (Copy)".

    Args:
        db: A database session with no transaction in progress.
        user_id: The acting user's id.
        session_id: The session to copy.
        now_ms: The current time in epoch ms; the clock when omitted.
        max_sessions: How many sessions the user may have at most; no limit when None.

    Returns:
        The new session: paused, same settings, name shortened to fit 100 characters.

    Raises:
        SessionNotFound: If the source is missing or someone else's.
        SessionRuleError: If the user already has `max_sessions` sessions.
    """
    now = epoch_ms(now_ms)
    with db.begin():
        source = owned_session(db, user_id, session_id)
        _check_room(db, user_id, max_sessions)
        row = ModelSession(
            user_id=user_id,
            name=copy_name(source.name),
            status="paused",
            settings=stored_settings(source.settings),
            created_at=now,
            updated_at=now,
        )
        db.add(row)
        db.flush()
        return session_view(row)


def delete_session(*, db: Session, user_id: int, session_id: int) -> None:
    """Delete a session, unless it is the user's last one.

    Args:
        db: A database session with no transaction in progress.
        user_id: The acting user's id.
        session_id: The session's id.

    Raises:
        SessionNotFound: If the session is missing or someone else's.
        SessionRuleError: If it is the user's last session.
    """
    with db.begin():
        remaining = _locked_count(db, user_id)
        row = owned_session(db, user_id, session_id, lock=True)
        if remaining <= 1:
            raise SessionRuleError("You cannot delete your last session")
        db.delete(row)
