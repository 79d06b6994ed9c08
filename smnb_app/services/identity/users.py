"""Users: profile derivation from verified claims, the sign-in upsert and look-ups.

Each public function runs one transaction of its own (`with db.begin():`), see
`smnb_app.db.engine` for the pattern.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Insert, Row, bindparam, case, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, select

from smnb_app.auth import token_identifier
from smnb_app.db import ModelSession, User, epoch_ms, table_of
from smnb_app.db.upserts import conflict_insert
from smnb_app.services.sessions.settings import default_settings

LAST_ACTIVE_THROTTLE_MS = 60_000
_SURROGATES = re.compile("[\ud800-\udfff]")
WELCOME_SESSION_NAME = "Welcome Session"
UNKNOWN_USER_NAME = "Unknown User"


@dataclass(frozen=True)
class Identity:
    """Who signed in, as derived from a verified session token.

    `profile_updated_at` is the identity provider's version of the profile (Clerk's `updated_at`,
    epoch ms) when known: a profile older than the stored one never overwrites it.
    """

    token_identifier: str
    name: str
    email: str | None
    avatar_url: str | None
    profile_updated_at: int | None = None


@dataclass(frozen=True)
class AuthUser:
    """The signed-in user as the UI state exposes it (timestamps in epoch milliseconds)."""

    id: int
    name: str
    email: str | None
    avatar_url: str | None
    created_at: int
    last_active_at: int

    def to_dict(self) -> dict[str, Any]:
        """Return the fields as a plain dict.

        Returns:
            A new dict with one entry per field.
        """
        return asdict(self)


def _text(claims: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = claims.get(key)
        if isinstance(value, str):
            # JSON may escape a lone surrogate, which no database can store as UTF-8.
            clean = _SURROGATES.sub("", value).strip()
            if clean:
                return clean
    return None


def identity_from_claims(*, issuer: str, subject: str, claims: Mapping[str, Any]) -> Identity:
    """Derive the identity and profile from verified token claims only.

    Args:
        issuer: The verified `iss`; a trailing slash is ignored.
        subject: The verified `sub`.
        claims: The verified payload (or the provider's user record), read for profile fields.

    Returns:
        The identity with `token_identifier = "<issuer>|<subject>"`.
    """
    email = _text(claims, "email", "email_address", "primary_email_address")
    first = _text(claims, "first_name", "given_name")
    last = _text(claims, "last_name", "family_name")
    name = (
        _text(claims, "name")
        or " ".join(part for part in (first, last) if part)
        or (email.split("@", 1)[0] if email else "")
        or UNKNOWN_USER_NAME
    )
    return Identity(
        token_identifier=token_identifier(issuer, subject),
        name=name,
        email=email,
        avatar_url=_text(claims, "picture", "image_url"),
    )


def auth_user(user: User | Row[Any]) -> AuthUser:
    """The UI's view of a user row.

    Args:
        user: A `users` row.

    Returns:
        Its `AuthUser`.

    Raises:
        ValueError: If the row was never flushed, so it has no id yet.
    """
    if user.id is None:
        raise ValueError("a user row must be flushed before it is viewed")
    return AuthUser(
        id=user.id,
        name=user.name,
        email=user.email,
        avatar_url=user.avatar_url,
        created_at=user.created_at,
        last_active_at=user.last_active_at,
    )


@lru_cache(maxsize=4)
def _upsert_statement(dialect: str) -> Insert:
    # Built once per dialect with bound parameters: building it per sign-in cost a third of it.
    insert = conflict_insert(dialect)
    table = table_of(User)
    cols = table.c
    stmt = insert(table).values(
        token_identifier=bindparam("token_identifier", type_=cols.token_identifier.type),
        name=bindparam("name", type_=cols.name.type),
        email=bindparam("email", type_=cols.email.type),
        avatar_url=bindparam("avatar_url", type_=cols.avatar_url.type),
        profile_updated_at=bindparam("profile_updated_at", type_=cols.profile_updated_at.type),
        created_at=bindparam("now", type_=cols.created_at.type),
        last_active_at=bindparam("now", type_=cols.last_active_at.type),
    )
    new = stmt.excluded
    stale = cols.last_active_at <= bindparam("stale_before", type_=cols.last_active_at.type)
    return stmt.on_conflict_do_update(
        index_elements=[cols.token_identifier],
        set_={
            **profile_updates(new, cols),
            # A profile change alone must not write last_active_at more than once a minute.
            "last_active_at": case((stale, new.last_active_at), else_=cols.last_active_at),
        },
        where=or_(profile_changes(new, cols), stale),
    ).returning(*table.c)


def _upsert_values(identity: Identity, now: int) -> dict[str, Any]:
    return {
        "token_identifier": identity.token_identifier,
        "name": identity.name,
        "email": identity.email,
        "avatar_url": identity.avatar_url,
        "profile_updated_at": identity.profile_updated_at,
        "now": now,
        "stale_before": now - LAST_ACTIVE_THROTTLE_MS,
    }


def _not_older(new: Any, cols: Any) -> Any:
    # Without a version on either side (the dev provider, token claims) the newer write wins.
    return or_(
        new.profile_updated_at.is_(None),
        cols.profile_updated_at.is_(None),
        new.profile_updated_at >= cols.profile_updated_at,
    )


def profile_updates(new: Any, cols: Any) -> dict[str, Any]:
    """The `SET` of an upsert's profile columns: the new profile unless it is older than the stored one.

    Args:
        new: The statement's `excluded` row.
        cols: The table's columns.

    Returns:
        Column name -> value expression.
    """
    keep_newer = _not_older(new, cols)
    updates: dict[str, ColumnElement[Any]] = {
        name: case((keep_newer, new[name]), else_=cols[name]) for name in ("name", "email", "avatar_url")
    }
    updates["profile_updated_at"] = func.coalesce(case((keep_newer, new.profile_updated_at)), cols.profile_updated_at)
    return updates


def profile_changes(new: Any, cols: Any) -> Any:
    """The condition under which an upsert writes the profile: it differs, and it is not older.

    Args:
        new: The statement's `excluded` row.
        cols: The table's columns.

    Returns:
        A boolean SQL expression.
    """
    differs = or_(
        *(cols[name].is_distinct_from(new[name]) for name in ("name", "email", "avatar_url", "profile_updated_at"))
    )
    return differs & _not_older(new, cols)


def upsert_user(*, db: Session, identity: Identity, now_ms: int | None = None) -> AuthUser:
    """Create or refresh the user of a sign-in, and give a new user a "Welcome Session".

    One atomic `INSERT ... ON CONFLICT (token_identifier) DO UPDATE ... WHERE` writes only when
    the profile changed or `last_active_at` is a minute old; `created_at` never changes. A user
    with no session yet gets one, in the same transaction. Concurrent first sign-ins make one
    row and one Welcome Session: on PostgreSQL the upsert locks the row even when its WHERE is
    false, so a second transaction waits for the first to commit and then (READ COMMITTED)
    sees its session; on SQLite the transaction holds the write lock from BEGIN IMMEDIATE.

    Args:
        db: A database session with no transaction in progress.
        identity: The verified identity.
        now_ms: The current time in epoch ms; the clock when omitted.

    Returns:
        The user after the upsert, committed.
    """
    now = epoch_ms(now_ms)
    with db.begin():
        return upsert_user_in(db, identity=identity, now_ms=now)


def upsert_user_in(db: Session, *, identity: Identity, now_ms: int) -> AuthUser:
    """`upsert_user` inside the caller's transaction (for a sign-in that does more in it).

    Args:
        db: A database session inside a transaction.
        identity: The verified identity.
        now_ms: The current time in epoch ms.

    Returns:
        The user after the upsert.
    """
    stmt = _upsert_statement(db.get_bind().dialect.name)
    row = db.exec(stmt, params=_upsert_values(identity, now_ms)).first()
    if row is None:
        users = table_of(User)
        # A Core SELECT of every column, read as a Row like the upsert's RETURNING: SQLModel's `exec`
        # declares no overload for it (fastapi/sqlmodel#909), and runs it through this same `execute`.
        row = db.execute(sa_select(*users.c).where(users.c.token_identifier == identity.token_identifier)).one()
    first_session = db.exec(select(ModelSession.id).where(ModelSession.user_id == row.id).limit(1)).first()
    if first_session is None:
        db.add(
            ModelSession(
                user_id=row.id,
                name=WELCOME_SESSION_NAME,
                status="active",
                settings=default_settings(),
                created_at=now_ms,
                updated_at=now_ms,
            )
        )
    return auth_user(row)


def get_user(*, db: Session, user_id: int) -> AuthUser | None:
    """Look a user up by id.

    Args:
        db: A database session with no transaction in progress.
        user_id: The user's id.

    Returns:
        The user, or None when there is no such user.
    """
    with db.begin():
        user = db.get(User, user_id)
        return None if user is None else auth_user(user)
