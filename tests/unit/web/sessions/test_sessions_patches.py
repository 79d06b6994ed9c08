"""Patches of the sessions list: applied in memory, a tab shows what a re-read would show."""

from __future__ import annotations

import dataclasses
import random
from itertools import pairwise

import pytest
from sqlmodel import Session

from smnb_app.services import sessions as svc
from smnb_app.services.sessions.views import decode_cursor
from smnb_app.web.sessions.patches import GONE, SEEN_LIMIT, SessionsPatch, patched_rows
from smnb_app.web.sessions.rows import (
    PAGE_SIZE,
    STATUS_FILTERS,
    SessionRow,
    load_listing,
    row_from_view,
    status_for_filter,
)
from tests.support.database import make_user

T0 = 1_700_000_000_000
TALLY = svc.SessionsTally(counts=svc.StatusCounts(active=0, paused=0, archived=0, total=0), latest_update=0)


def _row(
    session_id: int, *, status: str = "active", created_at: int | None = None, updated_at: int = T0, name: str = "S"
) -> SessionRow:
    view = svc.SessionView(
        id=session_id,
        name=name,
        status=status,
        settings=svc.default_settings(),
        created_at=T0 + session_id if created_at is None else created_at,
        updated_at=updated_at,
    )
    return row_from_view(view)


def _patch(rows: tuple[SessionRow, ...] = (), removed: tuple[int, ...] = ()) -> SessionsPatch:
    return SessionsPatch(user_id=1, token="t", rows=rows, removed=removed, tally=TALLY, read_ns=0)


def _ids(rows: list[SessionRow] | None) -> list[int] | None:
    return None if rows is None else [row.id for row in rows]


def test_changed_row_replaces_the_shown_one_in_place() -> None:
    shown = [_row(3), _row(2), _row(1)]
    renamed = _row(2, name="New", updated_at=T0 + 5)
    rows = patched_rows(shown, _patch((renamed,)), status=None, boundary=None, seen={})
    assert rows == [shown[0], renamed, shown[2]]


def test_an_older_patch_after_a_newer_one_changes_nothing() -> None:
    seen: dict[int, int] = {}
    newer, older = _row(1, name="Newer", updated_at=T0 + 9), _row(1, name="Older", updated_at=T0 + 5)
    shown = patched_rows([_row(1)], _patch((newer,)), status=None, boundary=None, seen=seen)
    assert shown is not None and shown == [newer]
    assert patched_rows(shown, _patch((older,)), status=None, boundary=None, seen=seen) is None


def test_a_row_leaving_the_filter_stays_out_when_its_older_version_arrives_late() -> None:
    seen: dict[int, int] = {}
    paused, active = _row(1, status="paused", updated_at=T0 + 9), _row(1, updated_at=T0 + 5)
    shown = patched_rows([_row(1)], _patch((paused,)), status="active", boundary=None, seen=seen)
    assert shown is not None and shown == []
    assert patched_rows(shown, _patch((active,)), status="active", boundary=None, seen=seen) is None


def test_a_deleted_row_never_comes_back() -> None:
    seen: dict[int, int] = {}
    shown = patched_rows([_row(2), _row(1)], _patch(removed=(1,)), status=None, boundary=None, seen=seen)
    assert shown is not None and _ids(shown) == [2] and seen[1] == GONE
    assert patched_rows(shown, _patch((_row(1, updated_at=T0 + 99),)), status=None, boundary=None, seen=seen) is None


def test_new_rows_beyond_the_loaded_pages_wait_for_load_more() -> None:
    shown = [_row(9), _row(8)]
    boundary = (shown[-1].created_at, shown[-1].id)
    older = _row(5, updated_at=T0 + 50)
    assert patched_rows(shown, _patch((older,)), status=None, boundary=boundary, seen={}) is None
    newest = _row(10, updated_at=T0 + 50)
    assert _ids(patched_rows(shown, _patch((newest,)), status=None, boundary=boundary, seen={})) == [10, 9, 8]


def test_remembered_versions_are_bounded_and_keep_the_latest_used() -> None:
    seen: dict[int, int] = {}
    for session_id in range(1, SEEN_LIMIT + 10):
        patched_rows([], _patch((_row(session_id, updated_at=T0 + 1),)), status=None, boundary=None, seen=seen)
    assert len(seen) == SEEN_LIMIT and 1 not in seen and SEEN_LIMIT + 9 in seen


def _all_rows(db: Session, user_id: int) -> list[SessionRow]:
    return list(load_listing(db, user_id=user_id, status=None, pages=10_000).rows)


def _random_change(
    db: Session, user_id: int, ids: list[int], rng: random.Random, clock: list[int]
) -> SessionsPatch | None:
    clock[0] += rng.choice([0, 1, 7])
    target, kind = rng.choice(ids), rng.choice(["create", "rename", "status", "duplicate", "delete", "setting"])
    removed: tuple[int, ...] = ()
    try:
        if kind == "create":
            view = svc.create_session(db=db, user_id=user_id, now_ms=clock[0])
        elif kind == "rename":
            view = svc.rename_session(db=db, user_id=user_id, session_id=target, name=f"N{clock[0]}", now_ms=clock[0])
        elif kind == "status":
            status = rng.choice(["active", "paused", "archived"])
            view = svc.set_status(db=db, user_id=user_id, session_id=target, status=status, now_ms=clock[0])
        elif kind == "duplicate":
            view = svc.duplicate_session(db=db, user_id=user_id, session_id=target, now_ms=clock[0])
        elif kind == "setting":
            view = svc.update_settings(
                db=db, user_id=user_id, session_id=target, changes={"max_tokens": rng.randint(1, 4000)}, now_ms=clock[0]
            )
        else:
            svc.delete_session(db=db, user_id=user_id, session_id=target)
            view, removed = None, (target,)
    except svc.SessionError:
        return None
    rows = () if view is None else (row_from_view(view),)
    return dataclasses.replace(_patch(rows, removed), tally=svc.tally_sessions(db=db, user_id=user_id))


@pytest.mark.parametrize("seed", range(2))
def test_tabs_applying_patches_show_what_a_reread_shows(db: Session, seed: int) -> None:  # noqa: F811
    rng, clock = random.Random(seed), [T0]
    user_id = make_user(db, f"patch-{seed}")
    for _ in range(PAGE_SIZE + 5):
        clock[0] += 1
        svc.create_session(db=db, user_id=user_id, now_ms=clock[0])
    tabs = []
    for status_filter in STATUS_FILTERS:
        for pages in (1, 2):
            listing = load_listing(db, user_id=user_id, status=status_for_filter(status_filter), pages=pages)
            boundary = decode_cursor(listing.next_cursor) if listing.next_cursor else None
            tabs.append((status_for_filter(status_filter), boundary, list(listing.rows), {}))
    truth = _all_rows(db, user_id)
    for _ in range(100):
        patch = _random_change(db, user_id, [row.id for row in truth], rng, clock)
        if patch is None:
            continue
        truth = _all_rows(db, user_id)
        for index, (status, boundary, shown, seen) in enumerate(tabs):
            rows = patched_rows(shown, patch, status=status, boundary=boundary, seen=seen)
            shown = shown if rows is None else rows
            tabs[index] = (status, boundary, shown, seen)
            expected = [
                row
                for row in truth
                if (status is None or row.status == status)
                and (boundary is None or (row.created_at, row.id) >= boundary)
            ]
            assert shown == expected
        assert patch.tally == svc.tally_sessions(db=db, user_id=user_id)


def test_tally_version_moves_with_every_change_and_names_the_rows_shown(db: Session) -> None:  # noqa: F811
    user_id = make_user(db, "tally")
    versions = [svc.tally_sessions(db=db, user_id=user_id).version]
    created = svc.create_session(db=db, user_id=user_id, now_ms=T0 * 2)
    versions.append(svc.tally_sessions(db=db, user_id=user_id).version)
    svc.rename_session(db=db, user_id=user_id, session_id=created.id, name="Renamed", now_ms=T0 * 2)
    versions.append(svc.tally_sessions(db=db, user_id=user_id).version)
    svc.delete_session(db=db, user_id=user_id, session_id=created.id)
    versions.append(svc.tally_sessions(db=db, user_id=user_id).version)
    assert all(before != after for before, after in pairwise(versions))
    assert versions[2] == (T0 * 2 + 1, 2)
    # Back to the very rows of the start (a newer change would have raised the newest
    # `updated_at`, and a deletion of an older row lowered the total): a tab there is current.
    assert versions[3] == versions[0]
