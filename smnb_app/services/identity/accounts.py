"""A user's account as a whole: its profile from the identity provider, its export, its deletion.

Each public function runs one transaction of its own (`with db.begin():`), see
`smnb_app.db.engine`; those named `*_in` run inside the caller's transaction instead, for the
webhook service, which records the delivery in the same one.

Deleting an account that lives at an identity provider (Clerk) takes three steps, because the
provider's call can fail and so can the database after it: `begin_account_deletion` records a
tombstone (the user's revocation, so no token of theirs counts from then on), the provider
deletes the user, and `finish_account_deletion` deletes the user's data here. Whatever was not
finished is found again by `pending_account_deletions`, after a restart too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete
from sqlmodel import Session, col, select

from smnb_app.db import AuthEvent, ModelSession, Revocation, User, epoch_ms, table_of
from smnb_app.db.upserts import conflict_insert
from smnb_app.services.identity.revocations import (
    DELETION_CONFIRMED,
    DELETION_PENDING,
    USER,
    add_revocations,
    confirm_deletion_in,
)
from smnb_app.services.identity.user_agents import describe_user_agent
from smnb_app.services.identity.users import AuthUser, Identity, auth_user, profile_changes, profile_updates
from smnb_app.services.sessions.views import session_view

EXPORT_FORMAT = "smnb-account-export/1"


@dataclass(frozen=True)
class PendingDeletions:
    """Account deletions that were recorded but not finished, by the users' `token_identifier`.

    Attributes:
        at_provider: Users the identity provider has not yet confirmed deleting.
        here: Users whose data is still here.
    """

    at_provider: list[str]
    here: list[str]


def apply_profile_in(db: Session, *, identity: Identity, now_ms: int) -> AuthUser | None:
    """Create or update a user's profile as the identity provider reports it (a webhook).

    Unlike a sign-in it is no activity: `last_active_at` is only set on creation, and a new user
    gets the Welcome Session at their first sign-in. A profile older than the stored one
    (`identity.profile_updated_at`) changes nothing.

    Args:
        db: A database session inside a transaction.
        identity: The user and their profile, with its version.
        now_ms: The current time in epoch ms.

    Returns:
        The user after the change, or None when nothing changed.
    """
    insert = conflict_insert(db.get_bind().dialect.name)
    table = table_of(User)
    stmt = insert(table).values(
        token_identifier=identity.token_identifier,
        name=identity.name,
        email=identity.email,
        avatar_url=identity.avatar_url,
        profile_updated_at=identity.profile_updated_at,
        created_at=now_ms,
        last_active_at=now_ms,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.token_identifier],
        set_=profile_updates(stmt.excluded, table.c),
        where=profile_changes(stmt.excluded, table.c),
    ).returning(*table.c)
    row = db.exec(stmt).first()
    return None if row is None else auth_user(row)


def delete_user_in(db: Session, *, user_id: int) -> bool:
    """Delete a user with their sessions and their own audit rows (sign-ins, addresses, browsers).

    Args:
        db: A database session inside a transaction.
        user_id: The user.

    Returns:
        Whether there was such a user.
    """
    db.exec(delete(ModelSession).where(col(ModelSession.user_id) == user_id))
    db.exec(delete(AuthEvent).where(col(AuthEvent.user_id) == user_id))
    return db.exec(delete(User).where(col(User.id) == user_id)).rowcount > 0


def delete_account(
    *,
    db: Session,
    user_id: int,
    ended_sids: Iterable[str],
    token_identifier: str | None = None,
    now_ms: int | None = None,
) -> bool:
    """Delete a user's data and refuse their remaining tokens, in one transaction.

    Args:
        db: A database session with no transaction in progress.
        user_id: The verified user.
        ended_sids: Their provider sessions, ended at the provider just before.
        token_identifier: Their identity, when no token of theirs may ever count again (a user
            the provider deleted); None when a new sign-in may start afresh (the dev provider).
        now_ms: The current time in epoch ms; the clock when omitted.

    Returns:
        Whether there was such a user.
    """
    identities = [token_identifier] if token_identifier else []
    with db.begin():
        add_revocations(
            db, sids=ended_sids, token_identifiers=identities, reason="account_deleted", now_ms=epoch_ms(now_ms)
        )
        return delete_user_in(db, user_id=user_id)


def begin_account_deletion(
    *, db: Session, token_identifier: str, sids: Iterable[str], now_ms: int | None = None
) -> None:
    """Record that an account is being deleted (its tombstone), before the provider is asked.

    From this commit on no token of the user's counts, whatever the provider and the database do
    next; the tombstone stays `pending` until `finish_account_deletion` says the provider confirmed.

    Args:
        db: A database session with no transaction in progress.
        token_identifier: The user (`iss|sub`).
        sids: Their provider sessions known here (the acting one).
        now_ms: The current time in epoch ms; the clock when omitted.
    """
    now = epoch_ms(now_ms)
    with db.begin():
        add_revocations(db, sids=sids, reason=DELETION_CONFIRMED, now_ms=now)
        add_revocations(db, token_identifiers=[token_identifier], reason=DELETION_PENDING, now_ms=now)


def finish_account_deletion(
    *, db: Session, token_identifier: str, deleted_at_provider: bool, now_ms: int | None = None
) -> bool:
    """Delete the data of a user whose tombstone is recorded; mark it confirmed when the provider deleted them.

    Safe to repeat: a user already gone is no error.

    Args:
        db: A database session with no transaction in progress.
        token_identifier: The user (`iss|sub`).
        deleted_at_provider: The provider confirmed deleting the user.
        now_ms: The current time in epoch ms; the clock when omitted.

    Returns:
        Whether the user's row was still here.
    """
    with db.begin():
        if deleted_at_provider:
            confirm_deletion_in(db, token_identifier=token_identifier, now_ms=epoch_ms(now_ms))
        user_id = db.exec(select(User.id).where(User.token_identifier == token_identifier)).one_or_none()
        return user_id is not None and delete_user_in(db, user_id=user_id)


def pending_account_deletions(*, db: Session) -> PendingDeletions:
    """The account deletions that were recorded and not finished, oldest first.

    A user who still has a row here although their identity is revoked is one of them: a
    revoked identity never signs in again, so the row is what a deletion left behind.

    Args:
        db: A database session with no transaction in progress.

    Returns:
        The users still to delete at the provider, and those still to delete here.
    """
    with db.begin():
        at_provider = db.exec(
            select(Revocation.value)
            .where(Revocation.kind == USER, Revocation.reason == DELETION_PENDING)
            .order_by(col(Revocation.revoked_at), col(Revocation.value))
        ).all()
        here = db.exec(
            select(User.token_identifier)
            .join(Revocation, (col(Revocation.kind) == USER) & (col(Revocation.value) == User.token_identifier))
            .order_by(col(User.id))
        ).all()
    return PendingDeletions(at_provider=list(at_provider), here=list(here))


def export_account(*, db: Session, user_id: int, now_ms: int | None = None) -> dict[str, Any] | None:
    """Everything the app keeps about a user, as one JSON-ready document (one transaction).

    Args:
        db: A database session with no transaction in progress.
        user_id: The verified user.
        now_ms: The export's time in epoch ms; the clock when omitted.

    Returns:
        `{format, exported_at, user, sessions, sign_ins}`, or None when there is no such user.
    """
    with db.begin():
        user = db.get(User, user_id)
        if user is None:
            return None
        sessions = db.exec(
            select(ModelSession)
            .where(ModelSession.user_id == user_id)
            .order_by(col(ModelSession.created_at), col(ModelSession.id))
        ).all()
        sign_ins = db.exec(
            select(AuthEvent)
            .where(AuthEvent.user_id == user_id, AuthEvent.kind == "sign_in")
            .order_by(col(AuthEvent.at), col(AuthEvent.id))
        ).all()
        return {
            "format": EXPORT_FORMAT,
            "exported_at": epoch_ms(now_ms),
            "user": auth_user(user).to_dict(),
            "sessions": [session_view(row).to_dict() for row in sessions],
            "sign_ins": [
                {
                    "at": event.at,
                    "ip": event.ip,
                    "browser": describe_user_agent(event.user_agent),
                    "user_agent": event.user_agent,
                }
                for event in sign_ins
            ],
        }
