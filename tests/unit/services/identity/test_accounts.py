"""A user's account as a whole: export of everything kept about them, deletion of all of it."""

from __future__ import annotations

import json

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from smnb_app.db import AuthEvent
from smnb_app.services import sessions as svc
from smnb_app.services.audit import AuditEvent, record_event
from smnb_app.services.identity.accounts import (
    PendingDeletions,
    begin_account_deletion,
    delete_account,
    export_account,
    finish_account_deletion,
    pending_account_deletions,
)
from smnb_app.services.identity.provider_events import apply_user_deleted
from smnb_app.services.identity.revocations import KEEP_MS, is_revoked, purge_revocations
from smnb_app.services.identity.sign_ins import sign_in
from smnb_app.services.identity.users import Identity, identity_from_claims
from tests.support.auth import ISSUER
from tests.support.database import make_user, snapshot

T0 = 1_800_000_000_000
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36"


def identity_of(subject: str) -> Identity:
    return identity_from_claims(issuer=ISSUER, subject=subject, claims={"name": subject})


def test_export_holds_the_users_row_sessions_and_sign_ins_and_nothing_of_anyone_else(db: Session) -> None:
    alice, bob = make_user(db, "alice", name="Alice", email="alice@example.com"), make_user(db, "bob")
    svc.create_session(db=db, user_id=alice, name="Research", settings={"temperature": 1.2})
    svc.create_session(db=db, user_id=bob, name="Bob's secret")
    record_event(
        db=db, event=AuditEvent(kind="sign_in", user_id=alice, sid="sess_1", ip="127.0.0.1", user_agent=CHROME)
    )
    record_event(db=db, event=AuditEvent(kind="sign_in", user_id=bob, sid="sess_2", ip="10.0.0.9"))

    document = export_account(db=db, user_id=alice, now_ms=123)

    assert document is not None
    assert json.loads(json.dumps(document)) == document
    assert (document["format"], document["exported_at"]) == ("smnb-account-export/1", 123)
    assert (document["user"]["id"], document["user"]["email"]) == (alice, "alice@example.com")
    assert [s["name"] for s in document["sessions"]] == ["Welcome Session", "Research"]
    assert document["sessions"][1]["settings"]["temperature"] == 1.2
    assert [(s["ip"], s["browser"]) for s in document["sign_ins"]] == [("127.0.0.1", "Chrome 156 on Linux")]
    assert "Bob" not in json.dumps(document) and "10.0.0.9" not in json.dumps(document)


def test_export_of_an_unknown_user_is_none(db: Session) -> None:
    assert export_account(db=db, user_id=4242) is None


def test_deleting_an_account_removes_its_sessions_audit_rows_and_row_only(engine: Engine, db: Session) -> None:
    alice, bob = make_user(db, "alice"), make_user(db, "bob")
    svc.create_session(db=db, user_id=alice)
    record_event(db=db, event=AuditEvent(kind="sign_in", user_id=alice, sid="sess_1"))
    record_event(db=db, event=AuditEvent(kind="sign_in", user_id=bob, sid="sess_2"))
    bob_before = [row for row in snapshot(engine)[1] if row[1] == bob]

    assert delete_account(db=db, user_id=alice, ended_sids=["sess_1"])
    assert not delete_account(db=db, user_id=alice, ended_sids=[])

    users, sessions = snapshot(engine)
    assert [row[0] for row in users] == [bob]
    assert sessions == bob_before
    with db.begin():
        assert db.exec(select(col(AuthEvent.user_id), col(AuthEvent.sid))).all() == [(bob, "sess_2")]
    assert is_revoked(db=db, sid="sess_1", token_identifier=f"{ISSUER}|alice")
    assert not is_revoked(db=db, sid="sess_new", token_identifier=f"{ISSUER}|alice")


def test_deleting_a_provider_deleted_account_refuses_every_token_of_theirs(db: Session) -> None:
    alice = make_user(db, "alice")
    delete_account(db=db, user_id=alice, ended_sids=[], token_identifier=f"{ISSUER}|alice")
    assert is_revoked(db=db, sid="sess_any", token_identifier=f"{ISSUER}|alice")


def test_a_begun_deletion_refuses_every_token_of_the_user_and_keeps_their_data_until_finished(
    engine: Engine, db: Session
) -> None:
    alice = make_user(db, "alice")
    before = snapshot(engine)
    begin_account_deletion(db=db, token_identifier=f"{ISSUER}|alice", sids=["sess_1"], now_ms=T0)
    assert snapshot(engine) == before
    assert is_revoked(db=db, sid="sess_new", token_identifier=f"{ISSUER}|alice")
    assert pending_account_deletions(db=db) == PendingDeletions(
        at_provider=[f"{ISSUER}|alice"], here=[f"{ISSUER}|alice"]
    )
    assert sign_in(db=db, identity=identity_of("alice"), sid="sess_new") is None
    assert snapshot(engine) == before and alice in [row[0] for row in before[0]]


def test_finishing_without_the_providers_confirmation_deletes_the_data_and_stays_pending_at_the_provider(
    engine: Engine, db: Session
) -> None:
    make_user(db, "alice")
    bob = make_user(db, "bob")
    begin_account_deletion(db=db, token_identifier=f"{ISSUER}|alice", sids=["sess_1"], now_ms=T0)
    assert finish_account_deletion(db=db, token_identifier=f"{ISSUER}|alice", deleted_at_provider=False)
    assert [row[0] for row in snapshot(engine)[0]] == [bob]
    assert pending_account_deletions(db=db) == PendingDeletions(at_provider=[f"{ISSUER}|alice"], here=[])
    assert not finish_account_deletion(db=db, token_identifier=f"{ISSUER}|alice", deleted_at_provider=True)
    assert pending_account_deletions(db=db) == PendingDeletions(at_provider=[], here=[])
    assert is_revoked(db=db, sid="sess_new", token_identifier=f"{ISSUER}|alice")


def test_a_confirmed_deletion_is_kept_refused_for_the_whole_horizon_from_its_confirmation(db: Session) -> None:
    make_user(db, "alice")
    begin_account_deletion(db=db, token_identifier=f"{ISSUER}|alice", sids=[], now_ms=T0)
    finish_account_deletion(
        db=db, token_identifier=f"{ISSUER}|alice", deleted_at_provider=True, now_ms=T0 + 10 * KEEP_MS
    )
    assert purge_revocations(db=db, now_ms=T0 + 11 * KEEP_MS - 1) == 0
    assert is_revoked(db=db, sid="", token_identifier=f"{ISSUER}|alice")
    assert purge_revocations(db=db, now_ms=T0 + 11 * KEEP_MS + 1) == 1


def test_a_webhooks_deletion_or_a_dev_deletion_leaves_nothing_pending(db: Session) -> None:
    alice = make_user(db, "alice")
    make_user(db, "bob")
    delete_account(db=db, user_id=alice, ended_sids=["sess_1"])
    apply_user_deleted(db=db, delivery_id="msg_1", token_identifier=f"{ISSUER}|bob")
    assert pending_account_deletions(db=db) == PendingDeletions(at_provider=[], here=[])
