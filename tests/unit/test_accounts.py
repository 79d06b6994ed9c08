"""A user's account as a whole: export of everything kept about them, deletion of all of it."""

from __future__ import annotations

import json

from sqlalchemy import Engine, select
from sqlmodel import Session

from smnb_app.db import AuthEvent
from smnb_app.services import sessions as svc
from smnb_app.services.accounts import delete_account, export_account
from smnb_app.services.audit import AuditEvent, record_event
from smnb_app.services.revocations import is_revoked
from tests.unit.db_support import ISSUER, db, engine, make_user, pg_url, snapshot, sqlite_template  # noqa: F401

CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36"


def test_export_holds_the_users_row_sessions_and_sign_ins_and_nothing_of_anyone_else(db: Session) -> None:
    alice, bob = make_user(db, "alice", name="Alice", email="alice@example.com"), make_user(db, "bob")
    svc.create_session(db=db, user_id=alice, name="Research", settings={"temperature": 1.2})
    svc.create_session(db=db, user_id=bob, name="Bob's secret")
    record_event(db=db, event=AuditEvent(kind="sign_in", user_id=alice, sid="sess_1", ip="127.0.0.1",
                                         user_agent=CHROME))
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
        assert db.exec(select(AuthEvent.user_id, AuthEvent.sid)).all() == [(bob, "sess_2")]
    assert is_revoked(db=db, sid="sess_1", token_identifier=f"{ISSUER}|alice")
    assert not is_revoked(db=db, sid="sess_new", token_identifier=f"{ISSUER}|alice")


def test_deleting_a_provider_deleted_account_refuses_every_token_of_theirs(db: Session) -> None:
    alice = make_user(db, "alice")
    delete_account(db=db, user_id=alice, ended_sids=[], token_identifier=f"{ISSUER}|alice")
    assert is_revoked(db=db, sid="sess_any", token_identifier=f"{ISSUER}|alice")
