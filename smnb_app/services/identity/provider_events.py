"""What the identity provider tells the app about its users (Clerk's webhooks), applied once each.

Every function records the delivery's id (`svix-id`) and applies the event in one transaction:
a delivery seen before changes nothing (Svix retries until it gets a 2xx), and an event that
fails to apply leaves no record, so its retry applies it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from smnb_app.db import User, WebhookDelivery, epoch_ms, table_of
from smnb_app.db.purge import purge
from smnb_app.db.upserts import conflict_insert
from smnb_app.services.identity.accounts import apply_profile_in, delete_user_in
from smnb_app.services.identity.revocations import add_revocations, is_revoked_in
from smnb_app.services.identity.users import AuthUser, Identity

# Svix retries a delivery for a few days; a week of ids covers every retry.
DELIVERY_KEEP_MS = 7 * 24 * 60 * 60 * 1000


@dataclass(frozen=True)
class EventOutcome:
    """What an applied event changed, for the tabs to hear about.

    Attributes:
        applied: False when the delivery had been applied before (nothing changed now).
        user_id: The app's user the event is about, when there is one.
        user: The user's profile after a profile event that changed it.
    """

    applied: bool
    user_id: int | None = None
    user: AuthUser | None = None


def _claim(db: Session, delivery_id: str, event_type: str, now_ms: int) -> bool:
    insert = conflict_insert(db.get_bind().dialect.name)
    table = table_of(WebhookDelivery)
    stmt = insert(table).values(id=delivery_id[:128], event_type=event_type[:64], received_at=now_ms)
    return db.exec(stmt.on_conflict_do_nothing(index_elements=[table.c.id]).returning(table.c.id)).first() is not None


def _user_id(db: Session, token_identifier: str) -> int | None:
    return db.exec(select(User.id).where(col(User.token_identifier) == token_identifier)).one_or_none()


def apply_profile_event(
    *, db: Session, delivery_id: str, event_type: str, identity: Identity, now_ms: int | None = None
) -> EventOutcome:
    """`user.created` / `user.updated`: store the profile unless a newer one is stored or the user is gone.

    Args:
        db: A database session with no transaction in progress.
        delivery_id: The delivery's `svix-id`.
        event_type: The event's type, for the record.
        identity: The user and the profile the event carries, with its `updated_at`.
        now_ms: The current time in epoch ms; the clock when omitted.

    Returns:
        The outcome; `user` is set when the stored profile changed.
    """
    now = epoch_ms(now_ms)
    with db.begin():
        if not _claim(db, delivery_id, event_type, now):
            return EventOutcome(applied=False)
        if is_revoked_in(db, sid="", token_identifier=identity.token_identifier):
            # A late delivery about a deleted user must not bring their row back.
            return EventOutcome(applied=True)
        user = apply_profile_in(db, identity=identity, now_ms=now)
        return EventOutcome(
            applied=True, user_id=user.id if user else _user_id(db, identity.token_identifier), user=user
        )


def apply_user_deleted(
    *, db: Session, delivery_id: str, token_identifier: str, now_ms: int | None = None
) -> EventOutcome:
    """`user.deleted`: refuse the user's remaining tokens, and delete their sessions, audit rows and row.

    Args:
        db: A database session with no transaction in progress.
        delivery_id: The delivery's `svix-id`.
        token_identifier: The deleted user (`iss|sub`).
        now_ms: The current time in epoch ms; the clock when omitted.

    Returns:
        The outcome; `user_id` is the deleted user's former id, when they were known here.
    """
    now = epoch_ms(now_ms)
    with db.begin():
        if not _claim(db, delivery_id, "user.deleted", now):
            return EventOutcome(applied=False)
        add_revocations(db, token_identifiers=[token_identifier], reason="user.deleted", now_ms=now)
        user_id = _user_id(db, token_identifier)
        if user_id is not None:
            delete_user_in(db, user_id=user_id)
        return EventOutcome(applied=True, user_id=user_id)


def apply_session_ended(
    *, db: Session, delivery_id: str, event_type: str, token_identifier: str, sid: str, now_ms: int | None = None
) -> EventOutcome:
    """`session.ended` / `.removed` / `.revoked`: refuse the session's remaining tokens.

    Args:
        db: A database session with no transaction in progress.
        delivery_id: The delivery's `svix-id`.
        event_type: The event's type, kept as the revocation's reason.
        token_identifier: The session's user (`iss|sub`).
        sid: The ended session.
        now_ms: The current time in epoch ms; the clock when omitted.

    Returns:
        The outcome; `user_id` is the session's user, when known here.
    """
    now = epoch_ms(now_ms)
    with db.begin():
        if not _claim(db, delivery_id, event_type, now):
            return EventOutcome(applied=False)
        add_revocations(db, sids=[sid], reason=event_type, now_ms=now)
        return EventOutcome(applied=True, user_id=_user_id(db, token_identifier))


def purge_deliveries(*, db: Session, now_ms: int | None = None) -> int:
    """Forget delivery ids older than any retry of theirs.

    Args:
        db: A database session with no transaction in progress.
        now_ms: The current time in epoch ms; the clock when omitted.

    Returns:
        How many were forgotten.
    """
    return purge(
        db=db, model=WebhookDelivery, expired=col(WebhookDelivery.received_at) < epoch_ms(now_ms) - DELIVERY_KEEP_MS
    )
