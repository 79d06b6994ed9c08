"""Keyset pagination, status filter and counts."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session

from smnb_app.services import sessions as svc
from smnb_app.services.sessions import SessionValidationError
from smnb_app.services.sessions.views import decode_cursor, encode_cursor
from tests.support.database import make_user

T0 = 1_700_000_000_000  # in the past: sessions created by the clock are newer


def _all_pages(db: Session, user_id: int, **filters: Any) -> list[int]:
    ids: list[int] = []
    cursor = None
    while True:
        page = svc.list_sessions(db=db, user_id=user_id, cursor=cursor, **filters)
        ids += [item.id for item in page.items]
        if page.next_cursor is None:
            return ids
        cursor = page.next_cursor


def test_pages_return_every_session_once_while_new_ones_arrive(db: Session) -> None:
    alice = make_user(db, "alice")
    for n in range(44):
        # Equal timestamps in pairs: the id breaks ties.
        svc.create_session(db=db, user_id=alice, now_ms=T0 + n // 2)
    existing = [item.id for item in svc.list_sessions(db=db, user_id=alice, limit=100).items]
    assert len(existing) == 45
    seen: list[int] = []
    cursor = None
    for page_number in range(3):
        page = svc.list_sessions(db=db, user_id=alice, cursor=cursor, limit=15)
        seen += [item.id for item in page.items]
        created_ats = [(item.created_at, item.id) for item in page.items]
        assert created_ats == sorted(created_ats, reverse=True)
        for _ in range(5):
            svc.create_session(db=db, user_id=alice)
        cursor = page.next_cursor
        assert (cursor is None) == (page_number == 2)
    assert sorted(seen) == sorted(existing) and len(seen) == len(set(seen)) == 45


def test_newest_first_and_other_users_never_appear(db: Session) -> None:
    alice, bob = make_user(db, "alice"), make_user(db, "bob")
    ids = [svc.create_session(db=db, user_id=alice, now_ms=T0 + n).id for n in range(5)]
    svc.create_session(db=db, user_id=bob, now_ms=T0 + 100)
    listed = _all_pages(db, alice, limit=2)
    assert listed[1:] == ids[::-1]  # the Welcome Session, made by the clock, is newest


def test_status_filter_and_counts(db: Session) -> None:
    alice = make_user(db, "alice")
    (welcome,) = [item.id for item in svc.list_sessions(db=db, user_id=alice).items]
    by_status: dict[str, list[int]] = {"active": [], "paused": [], "archived": []}
    for n in range(12):
        status = ("active", "paused", "archived")[n % 3]
        view = svc.create_session(db=db, user_id=alice, now_ms=T0 + n)
        svc.set_status(db=db, user_id=alice, session_id=view.id, status=status)
        by_status[status].insert(0, view.id)
    by_status["active"].insert(0, welcome)  # made by the clock: newest
    for status, ids in by_status.items():
        assert _all_pages(db, alice, status=status, limit=3) == ids
    counts = svc.count_sessions(db=db, user_id=alice)
    assert (counts.active, counts.paused, counts.archived, counts.total) == (5, 4, 4, 13)
    assert len(_all_pages(db, alice)) == counts.total


def test_empty_page_for_an_unknown_user(db: Session) -> None:
    page = svc.list_sessions(db=db, user_id=999_999)
    assert (page.items, page.next_cursor) == ((), None)


def test_cursor_round_trip() -> None:
    cursor = encode_cursor(T0, 42)
    assert decode_cursor(cursor) == (T0, 42)
    assert "=" not in cursor and cursor.isascii()


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "!!!",
        "abc",
        encode_cursor(T0, 42) + "=",
        encode_cursor(T0, 42) + "x",
        "MTo",
        42,
        "LTE6Mg",
        "MDE6Mg",
        "x" * 65,
        "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA6MQ",
    ],
)
def test_invalid_cursor(db: Session, cursor: Any) -> None:
    with pytest.raises(SessionValidationError, match="^Invalid cursor$"):
        svc.list_sessions(db=db, user_id=1, cursor=cursor)


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"status": "gone"}, "status must be one of"),
        ({"limit": 0}, "limit must be"),
        ({"limit": 101}, "limit must be"),
        ({"limit": True}, "limit must be"),
        ({"limit": 2.0}, "limit must be"),
    ],
)
def test_invalid_filters(db: Session, filters: dict[str, Any], message: str) -> None:
    with pytest.raises(SessionValidationError, match=message):
        svc.list_sessions(db=db, user_id=1, **filters)
