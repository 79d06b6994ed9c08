"""Audit trail of authentication events: record, read recent sign-ins, purge, throttle.

Each public function runs one transaction of its own, see `smnb_app.db.engine`. Nothing here
logs; an event holds at most a provider session id, a reason code, an IP and a user agent:
never a token, an email or a secret.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import Insert, String, insert, text
from sqlmodel import Session, col, select

from smnb_app.db import AUTH_EVENT_KINDS, AUTH_EVENT_ONCE_PER_SID_WHERE, AuthEvent, epoch_ms, table_of
from smnb_app.db.purge import purge
from smnb_app.db.upserts import conflict_insert
from smnb_app.services.identity.user_agents import clean_browser_text, describe_user_agent

AUDIT_KINDS: tuple[str, ...] = AUTH_EVENT_KINDS
ONCE_PER_SID_KINDS = frozenset({"sign_in", "sign_out"})
_TABLE = table_of(AuthEvent)


def _width(name: str) -> int:
    """The width of one of the table's text columns."""
    column_type = _TABLE.c[name].type
    if not isinstance(column_type, String) or column_type.length is None:
        raise TypeError(f"auth_events.{name} is not a text column of bounded width")
    return column_type.length


# The cleaning limits are the column widths, so a cleaned value always fits.
_TEXT_LIMITS: dict[str, int] = {name: _width(name) for name in ("sid", "reason", "ip", "user_agent")}
MAX_USER_AGENT = _TEXT_LIMITS["user_agent"]


@dataclass(frozen=True)
class AuditEvent:
    """An authentication event to record, its text fields cleaned on construction.

    Control characters and lone surrogates are removed, surrounding white space is trimmed,
    values are cut to their column's width (sid 128, reason 64, ip 64, user_agent 256) and an
    empty value becomes None. An unknown `kind` raises ValueError.
    """

    kind: str
    user_id: int | None = None
    sid: str | None = None
    reason: str | None = None
    ip: str | None = None
    user_agent: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in AUDIT_KINDS:
            raise ValueError(f"unknown audit event kind: {self.kind!r}")
        for name, limit in _TEXT_LIMITS.items():
            object.__setattr__(self, name, clean_browser_text(getattr(self, name), limit))


@dataclass(frozen=True)
class SignInView:
    """One recorded sign-in as the UI shows it: when, from where, with which browser."""

    at: int
    ip: str
    browser: str


def _insert_statement(dialect: str, event: AuditEvent, at: int) -> Insert:
    values = {**asdict(event), "at": at}
    if event.kind not in ONCE_PER_SID_KINDS or event.sid is None:
        return insert(_TABLE).values(values).returning(_TABLE.c.id)
    stmt = (
        conflict_insert(dialect)(_TABLE)
        .values(values)
        .on_conflict_do_nothing(
            index_elements=[_TABLE.c.kind, _TABLE.c.sid],
            index_where=text(AUTH_EVENT_ONCE_PER_SID_WHERE),
        )
    )
    return stmt.returning(_TABLE.c.id)


def record_event(*, db: Session, event: AuditEvent, now_ms: int | None = None) -> bool:
    """Write one event; a session's `sign_in` and its `sign_out` are each written once.

    For those two kinds, with a `sid`, the INSERT is `ON CONFLICT DO NOTHING` on the partial
    unique index `ux_auth_events_once_per_sid`, so every tab and worker reporting the same
    provider session makes one row between them.

    Args:
        db: A database session with no transaction in progress.
        event: The event, already cleaned.
        now_ms: The event's time in epoch ms; the clock when omitted.

    Returns:
        True when a row was written, False when the session's event was already recorded.
    """
    with db.begin():
        return record_event_in(db, event=event, now_ms=epoch_ms(now_ms))


def record_event_in(db: Session, *, event: AuditEvent, now_ms: int) -> bool:
    """`record_event` inside the caller's transaction (a sign-in records its event with the user).

    Args:
        db: A database session inside a transaction.
        event: The event, already cleaned.
        now_ms: The event's time in epoch ms.

    Returns:
        True when a row was written.
    """
    return db.exec(_insert_statement(db.get_bind().dialect.name, event, now_ms)).first() is not None


def recent_sign_ins(*, db: Session, user_id: int, limit: int = 10) -> tuple[SignInView, ...]:
    """Return a user's latest sign-ins, newest first (ties: the later recorded first).

    Args:
        db: A database session with no transaction in progress.
        user_id: The acting user's id; only their events are read.
        limit: How many at most; at least 1.

    Returns:
        The sign-ins; `ip` is "" when unknown.

    Raises:
        ValueError: If `limit` is below 1.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    stmt = (
        select(AuthEvent.at, AuthEvent.ip, AuthEvent.user_agent)
        .where(AuthEvent.user_id == user_id, AuthEvent.kind == "sign_in")
        .order_by(col(AuthEvent.at).desc(), col(AuthEvent.id).desc())
        .limit(limit)
    )
    with db.begin():
        rows = db.exec(stmt).all()
    return tuple(SignInView(at=at, ip=ip or "", browser=describe_user_agent(user_agent)) for at, ip, user_agent in rows)


def purge_events(*, db: Session, older_than_ms: int) -> int:
    """Delete the events recorded before a point in time (retention).

    Args:
        db: A database session with no transaction in progress.
        older_than_ms: Epoch ms; events with `at` strictly before it are deleted.

    Returns:
        How many events were deleted.
    """
    return purge(db=db, model=AuthEvent, expired=col(AuthEvent.at) < older_than_ms)
