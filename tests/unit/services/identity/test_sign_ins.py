"""A sign-in in one transaction: the user's row and audit row, or nothing for a revoked session or user."""

from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from smnb_app.db import AuthEvent
from smnb_app.services.audit import AuditEvent
from smnb_app.services.identity.revocations import revoke
from smnb_app.services.identity.sign_ins import sign_in
from smnb_app.services.identity.users import Identity
from tests.support.auth import ISSUER
from tests.support.database import snapshot

ALICE = Identity(token_identifier=f"{ISSUER}|user_alice", name="Alice", email="a@example.com", avatar_url=None)


def test_a_fresh_sign_in_writes_the_user_the_welcome_session_and_one_audit_row(engine: Engine, db: Session) -> None:
    user = sign_in(db=db, identity=ALICE, sid="sess_1", event=AuditEvent(kind="sign_in", sid="sess_1", ip="::1"))
    again = sign_in(db=db, identity=ALICE, sid="sess_1", event=AuditEvent(kind="sign_in", sid="sess_1"))
    assert user is not None and again is not None and again.id == user.id
    users, sessions = snapshot(engine)
    assert len(users) == 1 and [row[2] for row in sessions] == ["Welcome Session"]
    with db.begin():
        assert db.exec(select(col(AuthEvent.user_id), col(AuthEvent.sid), col(AuthEvent.ip))).all() == [
            (user.id, "sess_1", "::1")
        ]


def test_a_revoked_session_signs_in_nobody_and_writes_nothing(engine: Engine, db: Session) -> None:
    revoke(db=db, sids=["sess_1"], reason="session.revoked")
    before = snapshot(engine)
    assert sign_in(db=db, identity=ALICE, sid="sess_1", event=AuditEvent(kind="sign_in", sid="sess_1")) is None
    assert snapshot(engine) == before


def test_a_deleted_user_does_not_come_back_through_any_session(engine: Engine, db: Session) -> None:
    revoke(db=db, token_identifiers=[ALICE.token_identifier], reason="user.deleted")
    assert sign_in(db=db, identity=ALICE, sid="sess_new") is None
    assert snapshot(engine)[0] == []
