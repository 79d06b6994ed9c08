"""Ownership, the last session, archived sessions and control modes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from smnb_app.services import sessions as svc
from smnb_app.services.sessions import SessionNotFound, SessionRuleError
from tests.support.database import make_user, snapshot

Operation = Callable[[Session, int, Any], object]
OPERATIONS: dict[str, Operation] = {
    "get": lambda db, u, s: svc.get_session(db=db, user_id=u, session_id=s),
    "rename": lambda db, u, s: svc.rename_session(db=db, user_id=u, session_id=s, name="Mine"),
    "settings": lambda db, u, s: svc.update_settings(db=db, user_id=u, session_id=s, changes={"model": "gpt-4"}),
    "status": lambda db, u, s: svc.set_status(db=db, user_id=u, session_id=s, status="archived"),
    "duplicate": lambda db, u, s: svc.duplicate_session(db=db, user_id=u, session_id=s),
    "delete": lambda db, u, s: svc.delete_session(db=db, user_id=u, session_id=s),
}


@pytest.mark.parametrize("operation", OPERATIONS)
def test_foreign_session_is_indistinguishable_from_missing(engine: Engine, db: Session, operation: str) -> None:
    alice, bob = make_user(db, "alice"), make_user(db, "bob")
    target = svc.create_session(db=db, user_id=alice, name="Alice's").id
    svc.create_session(db=db, user_id=bob, name="Bob's")
    before = snapshot(engine)
    run = OPERATIONS[operation]
    with pytest.raises(SessionNotFound) as foreign:
        run(db, bob, target)
    with pytest.raises(SessionNotFound) as missing:
        run(db, bob, target + 10_000)
    assert type(foreign.value) is type(missing.value)
    assert str(foreign.value) == str(missing.value) == "Session not found"
    assert snapshot(engine) == before
    assert not db.in_transaction()


@pytest.mark.parametrize("operation", OPERATIONS)
@pytest.mark.parametrize("session_id", ["1", 1.0, True, None, 0, -1, 2**31, 2**63, 2**70, [1], {"$gt": 0}])
def test_odd_ids_are_not_found(engine: Engine, db: Session, operation: str, session_id: Any) -> None:
    alice = make_user(db, "alice")
    before = snapshot(engine)
    with pytest.raises(SessionNotFound, match="^Session not found$"):
        OPERATIONS[operation](db, alice, session_id)
    assert snapshot(engine) == before


def test_last_session_cannot_be_deleted(engine: Engine, db: Session) -> None:
    alice = make_user(db, "alice")
    (welcome,) = svc.list_sessions(db=db, user_id=alice).items
    before = snapshot(engine)
    with pytest.raises(SessionRuleError, match="last session"):
        svc.delete_session(db=db, user_id=alice, session_id=welcome.id)
    assert snapshot(engine) == before


def test_archived_session_accepts_only_status_changes(engine: Engine, db: Session) -> None:
    alice = make_user(db, "alice")
    view = svc.create_session(db=db, user_id=alice, name="Old")
    svc.set_status(db=db, user_id=alice, session_id=view.id, status="archived")
    before = snapshot(engine)
    with pytest.raises(SessionRuleError, match="Archived"):
        svc.rename_session(db=db, user_id=alice, session_id=view.id, name="New")
    with pytest.raises(SessionRuleError, match="Archived"):
        svc.update_settings(db=db, user_id=alice, session_id=view.id, changes={"model": "gpt-4"})
    assert snapshot(engine) == before
    copy = svc.duplicate_session(db=db, user_id=alice, session_id=view.id)
    assert (copy.name, copy.status) == ("Old (Copy)", "paused")
    restored = svc.set_status(db=db, user_id=alice, session_id=view.id, status="paused")
    renamed = svc.rename_session(db=db, user_id=alice, session_id=restored.id, name="New")
    assert renamed.name == "New"
    svc.set_status(db=db, user_id=alice, session_id=view.id, status="archived")
    svc.delete_session(db=db, user_id=alice, session_id=view.id)


@pytest.mark.parametrize(
    ("mode", "changes", "allowed"),
    [
        ("hands-free", {"model": "gpt-4"}, False),
        ("hands-free", {"temperature": 1.0}, False),
        ("hands-free", {"control_mode": "balanced"}, True),
        ("hands-free", {"control_mode": "full-control", "max_tokens": 1000}, True),
        ("balanced", {"model": "gpt-4", "temperature": 0.2}, True),
        ("balanced", {"max_tokens": 1000}, False),
        ("balanced", {"top_p": 0.5}, False),
        ("balanced", {"frequency_penalty": 1}, False),
        ("balanced", {"presence_penalty": 1}, False),
        ("balanced", {"control_mode": "hands-free", "model": "gpt-4"}, False),
        ("balanced", {"control_mode": "full-control", "top_p": 0.5}, True),
        (
            "full-control",
            {
                "max_tokens": 300,
                "top_p": 0.1,
                "presence_penalty": -1,
                "frequency_penalty": 1,
                "model": "gpt-4",
                "temperature": 0,
            },
            True,
        ),
        ("full-control", {"control_mode": "balanced", "max_tokens": 1000}, False),
        ("full-control", {"control_mode": "hands-free"}, True),
        ("hands-free", {"model": "claude-3-sonnet", "temperature": 0.7, "max_tokens": 2048}, True),
    ],
)
def test_control_modes(engine: Engine, db: Session, mode: str, changes: dict[str, Any], allowed: bool) -> None:
    alice = make_user(db, "alice")
    view = svc.create_session(db=db, user_id=alice, settings={"control_mode": mode})
    if allowed:
        updated = svc.update_settings(db=db, user_id=alice, session_id=view.id, changes=changes)
        assert updated.settings == view.settings | changes
        return
    before = snapshot(engine)
    with pytest.raises(SessionRuleError, match="mode"):
        svc.update_settings(db=db, user_id=alice, session_id=view.id, changes=changes)
    assert snapshot(engine) == before
