"""The per-user session cap: create and duplicate beyond it are refused, and nothing else changes."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from smnb_app.services import sessions as svc
from smnb_app.services.sessions import SessionRuleError
from tests.support.database import make_user, snapshot

LIMIT_MESSAGE = "You have reached the limit of 3 sessions; delete one to make room"


def test_create_and_duplicate_stop_at_the_cap_with_a_clear_message(engine: Engine, db: Session) -> None:
    alice = make_user(db, "alice")
    first = svc.create_session(db=db, user_id=alice, max_sessions=3)
    svc.duplicate_session(db=db, user_id=alice, session_id=first.id, max_sessions=3)
    before = snapshot(engine)
    for attempt in (
        lambda: svc.create_session(db=db, user_id=alice, max_sessions=3),
        lambda: svc.duplicate_session(db=db, user_id=alice, session_id=first.id, max_sessions=3),
    ):
        with pytest.raises(SessionRuleError, match=f"^{LIMIT_MESSAGE}$"):
            attempt()
    assert snapshot(engine) == before


def test_deleting_one_makes_room_again(db: Session) -> None:
    alice = make_user(db, "alice")
    extra = [svc.create_session(db=db, user_id=alice, max_sessions=3) for _ in range(2)]
    svc.delete_session(db=db, user_id=alice, session_id=extra[0].id)
    assert svc.create_session(db=db, user_id=alice, max_sessions=3).name.startswith("Session ")


def test_the_cap_is_per_user(db: Session) -> None:
    alice, bob = make_user(db, "alice"), make_user(db, "bob")
    svc.create_session(db=db, user_id=alice, max_sessions=2)
    assert svc.create_session(db=db, user_id=bob, max_sessions=2)
    with pytest.raises(SessionRuleError):
        svc.create_session(db=db, user_id=alice, max_sessions=2)


def test_a_refused_duplicate_of_someone_elses_session_still_says_not_found(db: Session) -> None:
    alice, bob = make_user(db, "alice"), make_user(db, "bob")
    secret = svc.create_session(db=db, user_id=bob, name="Bob's").id
    with pytest.raises(svc.SessionNotFound):
        svc.duplicate_session(db=db, user_id=alice, session_id=secret, max_sessions=1)


def test_concurrent_creates_never_pass_the_cap(engine: Engine, db: Session) -> None:
    alice = make_user(db, "alice")
    barrier, outcomes = threading.Barrier(12), []

    def create() -> None:
        with Session(engine) as own:
            barrier.wait()
            try:
                svc.create_session(db=own, user_id=alice, max_sessions=5)
                outcomes.append("created")
            except SessionRuleError:
                outcomes.append("refused")

    threads = [threading.Thread(target=create) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created"] * 4 + ["refused"] * 8
    assert svc.count_sessions(db=db, user_id=alice).total == 5
