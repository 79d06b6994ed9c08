"""Revocations: ended sessions and deleted users stay refused (across restarts) until purged."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session

from smnb_app.services.identity.revocations import (
    DELETION_CONFIRMED,
    DELETION_PENDING,
    KEEP_MS,
    is_revoked,
    purge_revocations,
    revoke,
)
from smnb_app.services.identity.users import identity_from_claims, upsert_user

ALICE = "https://issuer.test|user_alice"
T0 = 1_800_000_000_000


def test_a_revoked_session_is_refused_and_others_are_not(db: Session) -> None:
    revoke(db=db, sids=["sess_a"], reason="session.revoked", now_ms=T0)
    assert is_revoked(db=db, sid="sess_a", token_identifier=ALICE)
    assert not is_revoked(db=db, sid="sess_b", token_identifier=ALICE)


def test_a_revoked_user_is_refused_whatever_the_session(db: Session) -> None:
    revoke(db=db, token_identifiers=[ALICE], reason="user.deleted", now_ms=T0)
    assert is_revoked(db=db, sid="sess_any", token_identifier=ALICE)
    assert not is_revoked(db=db, sid="sess_any", token_identifier="https://issuer.test|user_bob")


def test_revocations_survive_a_restart(engine: Engine) -> None:
    with Session(engine) as first:
        revoke(db=first, sids=["sess_a"], reason="sign_out_everywhere", now_ms=T0)
    engine.dispose()
    with Session(engine) as after_restart:
        assert is_revoked(db=after_restart, sid="sess_a", token_identifier=ALICE)


def test_revoking_again_keeps_the_later_horizon_and_repeats_are_harmless(db: Session) -> None:
    revoke(db=db, sids=["sess_a", "sess_a"], reason="first", now_ms=T0)
    revoke(db=db, sids=["sess_a"], reason="second", now_ms=T0 + 1000)
    assert purge_revocations(db=db, now_ms=T0 + KEEP_MS + 500) == 0
    assert purge_revocations(db=db, now_ms=T0 + KEEP_MS + 1001) == 1
    assert not is_revoked(db=db, sid="sess_a", token_identifier=ALICE)


def test_nothing_to_revoke_writes_nothing(db: Session) -> None:
    revoke(db=db, reason="nothing", now_ms=T0)
    assert purge_revocations(db=db, now_ms=T0 + 10 * KEEP_MS) == 0


def test_an_unfinished_account_deletion_outlives_its_horizon(engine: Engine, db: Session) -> None:
    pending, still_here = "https://issuer.test|user_pending", "https://issuer.test|user_still_here"
    revoke(db=db, token_identifiers=[pending], reason=DELETION_PENDING, now_ms=T0)
    revoke(db=db, token_identifiers=[still_here], reason=DELETION_CONFIRMED, now_ms=T0)
    revoke(db=db, token_identifiers=[ALICE], reason=DELETION_CONFIRMED, now_ms=T0)
    upsert_user(
        db=db,
        identity=identity_from_claims(
            issuer="https://issuer.test", subject="user_still_here", claims={"name": "Still here"}
        ),
    )
    assert purge_revocations(db=db, now_ms=T0 + 100 * KEEP_MS) == 1
    assert not is_revoked(db=db, sid="", token_identifier=ALICE)
    assert is_revoked(db=db, sid="", token_identifier=pending)
    assert is_revoked(db=db, sid="", token_identifier=still_here)
