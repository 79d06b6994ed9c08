"""Clerk's user and session events, applied once per delivery, in the right order, atomically."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session

from smnb_app.services import sessions as svc
from smnb_app.services.identity.provider_events import (
    DELIVERY_KEEP_MS,
    apply_profile_event,
    apply_session_ended,
    apply_user_deleted,
    purge_deliveries,
)
from smnb_app.services.identity.revocations import is_revoked
from smnb_app.services.identity.users import Identity, get_user, upsert_user
from tests.support.auth import ISSUER
from tests.support.database import make_user, snapshot

ALICE = f"{ISSUER}|user_alice"
T0 = 1_800_000_000_000


def profile(name: str, updated_at: int | None, email: str = "alice@example.com") -> Identity:
    return Identity(token_identifier=ALICE, name=name, email=email, avatar_url=None, profile_updated_at=updated_at)


def test_user_created_then_updated_stores_the_newest_profile(db: Session) -> None:
    created = apply_profile_event(
        db=db, delivery_id="msg_1", event_type="user.created", identity=profile("Alice", 100), now_ms=T0
    )
    updated = apply_profile_event(
        db=db, delivery_id="msg_2", event_type="user.updated", identity=profile("Alice Liddell", 200), now_ms=T0 + 1
    )
    assert created.applied and created.user is not None and created.user.name == "Alice"
    assert updated.applied and updated.user is not None and updated.user.name == "Alice Liddell"
    assert updated.user.created_at == T0 and updated.user.last_active_at == T0


def test_an_older_update_delivered_late_never_overwrites_a_newer_one(engine: Engine, db: Session) -> None:
    apply_profile_event(
        db=db, delivery_id="msg_new", event_type="user.updated", identity=profile("New name", 300), now_ms=T0
    )
    before = snapshot(engine)
    late = apply_profile_event(
        db=db, delivery_id="msg_old", event_type="user.updated", identity=profile("Old name", 200), now_ms=T0 + 5
    )
    assert late.applied and late.user is None and late.user_id is not None
    assert snapshot(engine) == before


def test_a_replayed_delivery_is_not_applied_again(engine: Engine, db: Session) -> None:
    apply_profile_event(db=db, delivery_id="msg_1", event_type="user.updated", identity=profile("A", 100), now_ms=T0)
    before = snapshot(engine)
    again = apply_profile_event(
        db=db, delivery_id="msg_1", event_type="user.updated", identity=profile("B", 900), now_ms=T0 + 1
    )
    assert not again.applied
    assert snapshot(engine) == before


def test_a_sign_in_with_a_stale_cached_profile_keeps_the_newer_webhook_profile(db: Session) -> None:
    apply_profile_event(
        db=db, delivery_id="msg_1", event_type="user.updated", identity=profile("From webhook", 500), now_ms=T0
    )
    user = upsert_user(db=db, identity=profile("From an old cache", 400), now_ms=T0 + 120_000)
    assert user.name == "From webhook" and user.last_active_at == T0 + 120_000
    fresher = upsert_user(db=db, identity=profile("Fresh", 600), now_ms=T0 + 240_000)
    assert fresher.name == "Fresh"


def test_user_deleted_removes_the_user_and_sessions_and_refuses_their_tokens(engine: Engine, db: Session) -> None:
    alice = make_user(db, "user_alice")
    bob = make_user(db, "user_bob")
    svc.create_session(db=db, user_id=alice)
    outcome = apply_user_deleted(db=db, delivery_id="msg_1", token_identifier=ALICE, now_ms=T0)
    assert outcome.applied and outcome.user_id == alice
    users, sessions = snapshot(engine)
    assert [row[0] for row in users] == [bob] and {row[1] for row in sessions} == {bob}
    assert is_revoked(db=db, sid="sess_any", token_identifier=ALICE)
    assert not apply_user_deleted(db=db, delivery_id="msg_1", token_identifier=ALICE, now_ms=T0).applied


def test_deleting_an_unknown_user_still_refuses_their_tokens(db: Session) -> None:
    outcome = apply_user_deleted(db=db, delivery_id="msg_1", token_identifier=ALICE, now_ms=T0)
    assert outcome.applied and outcome.user_id is None
    assert is_revoked(db=db, sid="sess_x", token_identifier=ALICE)


def test_session_ended_revokes_that_session_only(db: Session) -> None:
    alice = make_user(db, "user_alice")
    for number, kind in enumerate(("session.ended", "session.removed", "session.revoked")):
        outcome = apply_session_ended(
            db=db, delivery_id=f"msg_{number}", event_type=kind, token_identifier=ALICE, sid=f"sess_{number}", now_ms=T0
        )
        assert outcome.applied and outcome.user_id == alice
        assert is_revoked(db=db, sid=f"sess_{number}", token_identifier=ALICE)
    assert not is_revoked(db=db, sid="sess_other", token_identifier=ALICE)
    assert get_user(db=db, user_id=alice) is not None


def test_delivery_ids_are_forgotten_after_a_week(db: Session) -> None:
    apply_session_ended(
        db=db, delivery_id="msg_1", event_type="session.ended", token_identifier=ALICE, sid="sess_1", now_ms=T0
    )
    assert purge_deliveries(db=db, now_ms=T0 + DELIVERY_KEEP_MS) == 0
    assert purge_deliveries(db=db, now_ms=T0 + DELIVERY_KEEP_MS + 1) == 1


def test_a_late_profile_delivery_after_the_user_was_deleted_does_not_bring_them_back(
    engine: Engine, db: Session
) -> None:
    make_user(db, "user_alice")
    apply_user_deleted(db=db, delivery_id="msg_del", token_identifier=ALICE, now_ms=T0)
    before = snapshot(engine)
    late = apply_profile_event(
        db=db, delivery_id="msg_late", event_type="user.updated", identity=profile("Alice again", 900), now_ms=T0 + 10
    )
    assert late.applied and late.user is None and late.user_id is None
    assert snapshot(engine) == before
