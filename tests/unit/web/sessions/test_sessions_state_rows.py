"""The pure helpers of the sessions page state: rows, filters, control values, page walks."""

from __future__ import annotations

import math

import pytest
from sqlmodel import Session

from smnb_app.services import sessions as svc
from smnb_app.web.sessions.rows import (
    PAGE_SIZE,
    load_listing,
    row_from_view,
    setting_value,
    status_for_filter,
)
from tests.support.database import make_user

T0 = 1_700_000_000_000


def _view(status: str = "active", **settings) -> svc.SessionView:
    return svc.SessionView(
        id=7,
        name="S",
        status=status,
        settings=svc.default_settings() | settings,
        created_at=T0,
        updated_at=T0 + 1,
    )


@pytest.mark.parametrize(
    ("mode", "basic", "every"),
    [("hands-free", False, False), ("balanced", True, False), ("full-control", True, True)],
)
def test_row_editability_follows_control_mode(mode: str, basic: bool, every: bool) -> None:
    row = row_from_view(_view(control_mode=mode, max_tokens=1024))
    assert (row.editable, row.basic_editable, row.all_editable) == (True, basic, every)
    assert (row.id, row.max_tokens, row.control_mode, row.updated_at) == (7, 1024, mode, T0 + 1)


def test_archived_row_is_read_only_in_any_mode() -> None:
    row = row_from_view(_view("archived", control_mode="full-control"))
    assert (row.editable, row.basic_editable, row.all_editable) == (False, False, False)


def test_status_filter_maps_all_to_none_and_refuses_unknown() -> None:
    assert status_for_filter("all") is None
    assert status_for_filter("paused") == "paused"
    with pytest.raises(ValueError):
        status_for_filter("deleted")


@pytest.mark.parametrize(
    ("key", "raw", "expected"),
    [
        ("temperature", [0.7000000000000001], 0.7),
        ("temperature", [2], 2.0),
        ("top_p", 0.95, 0.95),
        ("max_tokens", [2176.0], 2176),
        ("max_tokens", [2048], 2048),
        ("model", "gpt-4", "gpt-4"),
    ],
)
def test_setting_value_normalizes_control_values(key: str, raw, expected) -> None:
    value = setting_value(key, raw)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize(
    ("key", "raw", "message"),
    [
        ("max_tokens", [300.5], "max_tokens must be an integer"),
        ("max_tokens", True, "max_tokens must be an integer"),
        ("max_tokens", "2048", "max_tokens must be an integer"),
        ("max_tokens", [1, 2], "max_tokens must be an integer"),
        ("max_tokens", None, "max_tokens must be an integer"),
        ("max_tokens", 10**400, "max_tokens must be between 256 and 4096"),
        ("max_tokens", [1e308], "max_tokens must be between 256 and 4096"),
        ("max_tokens", math.inf, "max_tokens must be an integer"),
        ("temperature", [math.nan], "temperature must be a finite number"),
        ("temperature", -math.inf, "temperature must be a finite number"),
        ("temperature", 10**400, "temperature must be between 0 and 2"),
        ("top_p", {"a": 1}, "top_p must be a number"),
        ("presence_penalty", -(10**30), "presence_penalty must be between -2 and 2"),
    ],
)
def test_numbers_are_refused_before_any_conversion(key: str, raw, message: str) -> None:
    with pytest.raises(svc.SessionValidationError, match=f"^{message}$"):
        setting_value(key, raw)


@pytest.mark.parametrize(("key", "raw"), [("model", ["gpt-5"]), ("control_mode", 7), ("colour", 1e999)])
def test_choices_and_unknown_keys_pass_unchanged_for_the_service_to_judge(key: str, raw) -> None:
    assert setting_value(key, raw) == (raw[0] if isinstance(raw, list) else raw)


def test_load_listing_walks_the_loaded_pages_newest_first(db: Session) -> None:
    alice = make_user(db, "alice")
    for n in range(PAGE_SIZE + 4):
        svc.create_session(db=db, user_id=alice, name=f"N{n:02d}", now_ms=T0 + n)
    svc.set_status(
        db=db, user_id=alice, session_id=svc.list_sessions(db=db, user_id=alice).items[0].id, status="paused"
    )

    one = load_listing(db, user_id=alice, status=None, pages=1)
    two = load_listing(db, user_id=alice, status=None, pages=2)
    assert len(one.rows) == PAGE_SIZE and one.next_cursor is not None
    assert len(two.rows) == PAGE_SIZE + 5 and two.next_cursor is None
    assert [r.name for r in two.rows[:PAGE_SIZE]] == [r.name for r in one.rows]
    assert (two.rows[0].name, two.rows[1].name, two.rows[-1].name) == ("Welcome Session", "N23", "N00")
    paused = load_listing(db, user_id=alice, status="paused", pages=3)
    assert [r.status for r in paused.rows] == ["paused"] and paused.next_cursor is None


def test_load_listing_shows_only_the_users_own_sessions(db: Session) -> None:
    alice, bob = make_user(db, "alice"), make_user(db, "bob")
    svc.create_session(db=db, user_id=bob, name="Bob's")
    assert [r.name for r in load_listing(db, user_id=alice, status=None, pages=1).rows] == ["Welcome Session"]
