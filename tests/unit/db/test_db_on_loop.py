"""SQLite calls on the event loop: run there when no lock stands in the way, else waited for on a thread."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session

from smnb_app.db import on_loop
from smnb_app.web.shared import runtime
from tests.support.database import make_user


@pytest.fixture
def database(app_sqlite: Path) -> Path:
    return app_sqlite


@pytest.fixture
def write_lock(database: Path) -> Iterator[sqlite3.Connection]:
    """Another connection holding SQLite's write lock until the test commits it."""
    holder = sqlite3.connect(database, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    yield holder
    if holder.in_transaction:
        holder.execute("COMMIT")
    holder.close()


def user_count(db: Session) -> int:
    return db.connection().execute(text("SELECT count(*) FROM users")).scalar_one()


def signed_in_by(subject: str, threads: list[int]):
    def action(db: Session) -> int:
        threads.append(threading.get_ident())
        return make_user(db, subject)

    return action


def test_calls_run_on_the_loop_thread_when_no_lock_is_held(database: Path) -> None:
    threads: list[int] = []

    async def both() -> int:
        await runtime.run_db(signed_in_by("user_inline", threads))
        return await runtime.run_db(lambda db: threads.append(threading.get_ident()) or user_count(db), read_only=True)

    assert asyncio.run(both()) == 1
    assert threads == [threading.get_ident()] * 2


def test_a_held_write_lock_refuses_at_once_and_writes_nothing(write_lock: sqlite3.Connection) -> None:
    with pytest.raises(on_loop.LockBusy, match="locked"):
        on_loop.run_without_waiting(signed_in_by("user_refused", []))
    write_lock.execute("COMMIT")
    assert on_loop.run_without_waiting(user_count, read_only=True) == 0


def test_a_write_waits_for_a_held_lock_on_a_thread_while_the_loop_serves_reads(write_lock: sqlite3.Connection) -> None:
    threads: list[int] = []

    async def scenario() -> tuple[int, int, int]:
        write = asyncio.create_task(runtime.run_db(signed_in_by("user_waited", threads)))
        await asyncio.sleep(0)
        seen_while_waiting = await runtime.run_db(user_count, read_only=True)
        write_lock.execute("COMMIT")
        user_id = await write
        return seen_while_waiting, user_id, await runtime.run_db(user_count, read_only=True)

    seen_while_waiting, user_id, count = asyncio.run(scenario())
    assert (seen_while_waiting, count) == (0, 1)
    assert user_id > 0
    assert len(threads) == 2
    assert threads[0] == threading.get_ident() != threads[1]


def test_after_a_commit_the_rest_of_the_call_waits_for_the_lock(database: Path) -> None:
    taken, release = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        holder = sqlite3.connect(database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        taken.set()
        release.wait(timeout=10)
        holder.execute("COMMIT")
        holder.close()

    def two_transactions(db: Session) -> tuple[int, int]:
        first = make_user(db, "user_first")
        holder = threading.Thread(target=hold_the_lock)
        holder.start()
        taken.wait(timeout=10)
        threading.Timer(0.05, release.set).start()
        second = make_user(db, "user_second")
        holder.join()
        return first, second

    first, second = on_loop.run_without_waiting(two_transactions)
    assert release.is_set()
    assert 0 < first < second
    assert on_loop.run_without_waiting(user_count, read_only=True) == 2


def test_an_unbounded_call_never_runs_on_the_loop(database: Path) -> None:
    threads: list[int] = []
    asyncio.run(runtime.run_db(signed_in_by("user_purge", threads), bounded=False))
    assert threads and threads[0] != threading.get_ident()
