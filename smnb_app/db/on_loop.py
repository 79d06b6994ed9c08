"""SQLite transactions that never wait for a lock, so that an event loop can run them itself.

On SQLite a user action's transaction costs a fraction of a millisecond, but handing it to a
worker thread costs far more once the loop is busy: the thread waits for a free worker, then
for the GIL at every driver call, and concurrent writers in one process wait in SQLite's busy
handler, which sleeps instead of queueing. `bench/load.py` measured it (one worker, 300 tabs,
50 actors): 85 ms p50 queued before a thread took the call, for 0.8 ms of work.

The engines here have no busy timeout: where another process or thread holds the lock a call
needs, it fails at once with `LockBusy` instead of blocking the loop, with nothing committed,
and the caller runs it again on a thread that may wait (see `smnb_app.web.shared.runtime.run_db`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TypeVar

from sqlalchemy import Engine, event
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from smnb_app.db.engine import get_engine, is_lock_conflict, make_engine

T = TypeVar("T")
_NO_WAIT = {"timeout": 0}


class LockBusy(Exception):
    """Another connection holds the lock the call needs; the call committed nothing."""


def uses_sqlite() -> bool:
    """Whether the configured database is a SQLite file (PostgreSQL calls go to threads)."""
    return get_engine().dialect.name == "sqlite"


@lru_cache(maxsize=4)
def _engines_for(url: URL) -> tuple[Engine, Engine]:
    return make_engine(url, connect_args=_NO_WAIT), make_engine(url, read_only=True, connect_args=_NO_WAIT)


def run_without_waiting(action: Callable[[Session], T], *, read_only: bool = False) -> T:
    """Run one service call on the calling thread, on a SQLite engine that never waits for a lock.

    Only the call's first transaction can be given up: once one has committed, the rest must
    finish, so the session moves to the ordinary engine, which waits (a rare wait, as long as
    another writer's transaction).

    Args:
        action: Called with the session; it runs the service's transaction(s).
        read_only: The call only reads (see `smnb_app.db.engine.make_engine`).

    Returns:
        What `action` returned.

    Raises:
        LockBusy: The lock was held elsewhere before anything was committed.
    """
    writer, reader = _engines_for(get_engine().url)
    first = reader if read_only else writer
    with Session(first) as db:
        if not read_only:
            event.listen(db, "after_commit", _wait_from_now_on)
        try:
            return action(db)
        except OperationalError as error:
            if db.bind is first and is_lock_conflict(error):
                raise LockBusy(str(error.orig)) from error
            raise


def _wait_from_now_on(db: Session) -> None:
    db.bind = get_engine()
