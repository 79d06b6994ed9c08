"""Happy paths of every session operation."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from smnb_app.services import sessions as svc
from smnb_app.services.sessions import SessionView, StatusCounts, default_settings
from tests.support.database import make_user, snapshot

T0 = 1_795_700_000_000  # 2026-11-26 (UTC)


@pytest.fixture
def alice(db: Session) -> int:
    return make_user(db, "alice")


def test_create_with_defaults(db: Session, alice: int) -> None:
    view = svc.create_session(db=db, user_id=alice, now_ms=T0)
    expected = SessionView(view.id, "Session Nov 26, 2026", "active", default_settings(), T0, T0)
    assert view == expected
    assert svc.get_session(db=db, user_id=alice, session_id=view.id) == view
    assert not db.in_transaction()


def test_create_with_name_and_partial_settings(db: Session, alice: int) -> None:
    view = svc.create_session(db=db, user_id=alice, name="  Research  ", settings={"temperature": 1, "model": "gpt-4"})
    assert view.name == "Research"
    assert view.settings == default_settings() | {"temperature": 1.0, "model": "gpt-4"}
    assert isinstance(view.settings["temperature"], float)


def test_rename(db: Session, alice: int) -> None:
    view = svc.create_session(db=db, user_id=alice, now_ms=T0)
    renamed = svc.rename_session(db=db, user_id=alice, session_id=view.id, name=" Plan ", now_ms=T0 + 5)
    assert (renamed.name, renamed.updated_at, renamed.created_at) == ("Plan", T0 + 5, T0)
    assert svc.get_session(db=db, user_id=alice, session_id=view.id) == renamed


def test_update_settings_partial(db: Session, alice: int) -> None:
    view = svc.create_session(db=db, user_id=alice, settings={"control_mode": "full-control"}, now_ms=T0)
    updated = svc.update_settings(
        db=db,
        user_id=alice,
        session_id=view.id,
        changes={"max_tokens": 4096, "top_p": 0.5, "presence_penalty": -2},
        now_ms=T0 + 7,
    )
    expected = view.settings | {"max_tokens": 4096, "top_p": 0.5, "presence_penalty": -2.0}
    assert (updated.settings, updated.updated_at) == (expected, T0 + 7)
    assert svc.get_session(db=db, user_id=alice, session_id=view.id).settings == expected


def test_set_status_round_trip(db: Session, alice: int) -> None:
    view = svc.create_session(db=db, user_id=alice, now_ms=T0)
    for step, status in enumerate(["paused", "archived", "active"], start=1):
        changed = svc.set_status(db=db, user_id=alice, session_id=view.id, status=status, now_ms=T0 + step)
        assert (changed.status, changed.updated_at) == (status, T0 + step)


def test_duplicate(db: Session, alice: int) -> None:
    view = svc.create_session(db=db, user_id=alice, name="Draft", settings={"model": "gpt-4"})
    copy = svc.duplicate_session(db=db, user_id=alice, session_id=view.id, now_ms=T0 + 9)
    assert copy == SessionView(copy.id, "Draft (Copy)", "paused", view.settings, T0 + 9, T0 + 9)
    assert copy.id != view.id


def test_duplicate_name_is_shortened_to_fit(db: Session, alice: int) -> None:
    view = svc.create_session(db=db, user_id=alice, name="x" * 92 + " " + "y" * 7)
    copy = svc.duplicate_session(db=db, user_id=alice, session_id=view.id)
    assert copy.name == "x" * 92 + " (Copy)"
    assert len(copy.name) <= 100


def test_delete(engine: Engine, db: Session, alice: int) -> None:
    view = svc.create_session(db=db, user_id=alice)
    svc.delete_session(db=db, user_id=alice, session_id=view.id)
    with pytest.raises(svc.SessionNotFound):
        svc.get_session(db=db, user_id=alice, session_id=view.id)
    assert svc.count_sessions(db=db, user_id=alice).total == 1


def test_count_sessions(db: Session, alice: int) -> None:
    for status in ["paused", "paused", "archived"]:
        view = svc.create_session(db=db, user_id=alice)
        svc.set_status(db=db, user_id=alice, session_id=view.id, status=status)
    counts = svc.count_sessions(db=db, user_id=alice)
    assert counts == StatusCounts(active=1, paused=2, archived=1, total=4)
    assert counts.to_dict() == {"active": 1, "paused": 2, "archived": 1, "total": 4}
    assert svc.count_sessions(db=db, user_id=alice + 1000) == StatusCounts(0, 0, 0, 0)


def test_updated_at_moves_even_within_one_millisecond(db: Session, alice: int) -> None:
    view = svc.create_session(db=db, user_id=alice, now_ms=T0)
    first = svc.rename_session(db=db, user_id=alice, session_id=view.id, name="a", now_ms=T0)
    second = svc.rename_session(db=db, user_id=alice, session_id=view.id, name="b", now_ms=T0)
    assert T0 < first.updated_at < second.updated_at


def test_a_call_that_changes_nothing_writes_nothing(engine: Engine, db: Session, alice: int) -> None:
    view = svc.create_session(db=db, user_id=alice, name="Same", now_ms=T0)
    before = snapshot(engine)
    svc.rename_session(db=db, user_id=alice, session_id=view.id, name=" Same ", now_ms=T0 + 1)
    svc.update_settings(db=db, user_id=alice, session_id=view.id, changes=view.settings, now_ms=T0 + 1)
    svc.set_status(db=db, user_id=alice, session_id=view.id, status="active", now_ms=T0 + 1)
    assert snapshot(engine) == before


def test_view_to_dict_copies_settings(db: Session, alice: int) -> None:
    view = svc.create_session(db=db, user_id=alice, name="D", now_ms=T0)
    data = view.to_dict()
    data["settings"]["model"] = "gpt-4"
    assert view.settings["model"] == "claude-3-sonnet"
    assert set(data) == {"id", "name", "status", "settings", "created_at", "updated_at"}
