"""SQLModel tables: users, their model sessions and the audit trail of authentication events.

Timestamps are epoch milliseconds (BigInteger). The schema is owned by the Alembic migrations in
`alembic/versions`; `tests/unit/db/test_migrations.py` proves they match these classes.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    text,
)
from sqlmodel import Field, SQLModel

SESSION_STATUSES: tuple[str, ...] = ("active", "paused", "archived")
SESSION_NAME_MAX = 100
AUTH_EVENT_KINDS: tuple[str, ...] = (
    "sign_in",
    "sign_out",
    "token_rejected",
    "session_expired",
    "rate_limited",
    "webhook",
    "account_deleted",
)
# The predicate of the partial unique index; an upsert names it verbatim to target the index.
AUTH_EVENT_ONCE_PER_SID_WHERE = "kind IN ('sign_in', 'sign_out') AND sid IS NOT NULL"


def epoch_ms(now_ms: int | None = None) -> int:
    """Return the current time in epoch milliseconds, or the time a caller pinned.

    Args:
        now_ms: A time the caller fixed (tests, one instant shared by several writes); the
            clock when None.

    Returns:
        Milliseconds since 1970-01-01T00:00:00Z.
    """
    return time.time_ns() // 1_000_000 if now_ms is None else now_ms


class User(SQLModel, table=True):
    """A person known by the identity provider, keyed by `token_identifier` (`iss|sub`)."""

    # A plain string is SQLModel's documented form, but SQLModel types the attribute as the
    # declared_attr of its default, so pyright refuses a string (fastapi/sqlmodel#98).
    __tablename__ = "users"  # pyright: ignore[reportAssignmentType]
    __table_args__ = (
        Index("ix_users_token_identifier", "token_identifier", unique=True),
        Index("ix_users_email", "email"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_type=String, nullable=False)
    email: str | None = Field(default=None, sa_type=String, nullable=True)
    token_identifier: str = Field(sa_type=String, nullable=False)
    avatar_url: str | None = Field(default=None, sa_type=String, nullable=True)
    created_at: int = Field(default_factory=epoch_ms, sa_type=BigInteger, nullable=False)
    last_active_at: int = Field(default_factory=epoch_ms, sa_type=BigInteger, nullable=False)
    # The identity provider's `updated_at` of the profile stored here (Clerk's, epoch ms), so an
    # older copy (a delayed webhook, a cached Backend API answer) never overwrites a newer one.
    profile_updated_at: int | None = Field(default=None, sa_type=BigInteger, nullable=True)


class ModelSession(SQLModel, table=True):
    """A user's AI model session (table `sessions`).

    Named `ModelSession` so it never shadows the database `Session` of SQLModel/SQLAlchemy, nor
    gets confused with the identity provider's sign-in session (`sid`).

    Both indexes required by the design keep their names and lead with the columns it asks for;
    the trailing `(created_at, id)` lets them also serve keyset pagination newest-first (scanned
    backwards), with or without a status filter, and the per-status counts. A bare `(user_id)`
    index would be a redundant prefix of `ix_sessions_user_id`, so there is none.
    SQLite AUTOINCREMENT (on both tables) keeps a deleted row's id from being handed out again,
    so a stale tab holding an old id can never act on a newer row.
    """

    __tablename__ = "sessions"  # pyright: ignore[reportAssignmentType]  # as on User
    __table_args__ = (
        Index("ix_sessions_user_id", "user_id", "created_at", "id"),
        Index("ix_sessions_user_id_status", "user_id", "status", "created_at", "id"),
        CheckConstraint("status IN ('active', 'paused', 'archived')", name="ck_sessions_status"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("users.id", ondelete="CASCADE", name="fk_sessions_user_id_users"),
            nullable=False,
        )
    )
    name: str = Field(sa_type=String(SESSION_NAME_MAX), nullable=False)
    status: str = Field(default="active", sa_type=String(16), nullable=False)
    settings: dict[str, Any] = Field(default_factory=dict, sa_type=JSON, nullable=False)
    created_at: int = Field(default_factory=epoch_ms, sa_type=BigInteger, nullable=False)
    updated_at: int = Field(default_factory=epoch_ms, sa_type=BigInteger, nullable=False)


class AuthEvent(SQLModel, table=True):
    """One authentication event of the audit trail (table `auth_events`).

    A deleted user's events stay, with `user_id` set to NULL, until retention purges them. The
    partial unique index lets each identity-provider session (`sid`) record at most one
    `sign_in` and one `sign_out`, however many tabs and workers report it.
    """

    __tablename__ = "auth_events"  # pyright: ignore[reportAssignmentType]  # as on User
    __table_args__ = (
        Index("ix_auth_events_user_id_kind_at", "user_id", "kind", "at"),
        Index("ix_auth_events_at", "at"),
        Index(
            "ux_auth_events_once_per_sid",
            "kind",
            "sid",
            unique=True,
            sqlite_where=text(AUTH_EVENT_ONCE_PER_SID_WHERE),
            postgresql_where=text(AUTH_EVENT_ONCE_PER_SID_WHERE),
        ),
        CheckConstraint(
            f"kind IN ({', '.join(repr(kind) for kind in AUTH_EVENT_KINDS)})",
            name="ck_auth_events_kind",
        ),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    at: int = Field(default_factory=epoch_ms, sa_type=BigInteger, nullable=False)
    kind: str = Field(sa_type=String(32), nullable=False)
    user_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("users.id", ondelete="SET NULL", name="fk_auth_events_user_id_users"),
            nullable=True,
        ),
    )
    sid: str | None = Field(default=None, sa_type=String(128), nullable=True)
    reason: str | None = Field(default=None, sa_type=String(64), nullable=True)
    ip: str | None = Field(default=None, sa_type=String(64), nullable=True)
    user_agent: str | None = Field(default=None, sa_type=String(256), nullable=True)
