"""Engines and database sessions.

Transaction pattern: every public service function owns exactly one transaction, opened with
`with db.begin():` on a database session that has no transaction in progress, so a user action
commits (or rolls back) as a whole before the function returns. Callers open a session with
`session_scope()` and never commit themselves.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlmodel import Session

from smnb_app.config.settings import get_settings

PG_CONNECT_TIMEOUT_S = 5
SQLITE_BUSY_TIMEOUT_S = 30.0
_WAL_RETRY_PAUSE_S = 0.01


def normalize_url(url: str | URL) -> URL:
    """Parse a database URL, pinning plain `postgresql://` to the psycopg2 driver.

    SQLAlchemy 2.1 maps `postgresql://` to psycopg 3, while this project ships psycopg2.

    Args:
        url: A SQLAlchemy database URL.

    Returns:
        The parsed URL with an explicit driver for PostgreSQL.
    """
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg2")
    return parsed


def make_engine(url: str | URL, *, read_only: bool = False, **options: Any) -> Engine:
    """Create an engine tuned for this app.

    SQLite gets WAL, enforced foreign keys, a 30 s busy timeout and `BEGIN IMMEDIATE` for every
    transaction: a writer takes the write lock up front, so concurrent writers wait their turn
    instead of failing on a read-to-write lock upgrade. A read-only engine begins its
    transactions deferred instead and refuses writes (`PRAGMA query_only`): in WAL mode its
    reads see one snapshot each and wait for no writer, nor make one wait. PostgreSQL gets
    READ COMMITTED pinned (the sign-in upsert relies on it, whatever the server's default) and
    pre-ping on checkout. Both hide statement parameters in errors, so a logged failure never
    shows a user's email.

    Args:
        url: A SQLAlchemy database URL (`sqlite:///file.db`, `postgresql://user@host/db`).
        read_only: For SQLite, an engine for transactions that only read.
        **options: Extra `create_engine` keyword arguments (e.g. `poolclass`, `pool_size`).

    Returns:
        A new engine; the caller owns it (dispose it when done).
    """
    parsed = normalize_url(url)
    # An error message must not carry the statement's values (emails, names) into the log.
    options.setdefault("hide_parameters", True)
    if parsed.get_backend_name() != "sqlite":
        options.setdefault("isolation_level", "READ COMMITTED")
        # A database that drops packets must fail an action within seconds, not hang it.
        connect_args = {"connect_timeout": PG_CONNECT_TIMEOUT_S, **options.pop("connect_args", {})}
        return create_engine(parsed, pool_pre_ping=True, connect_args=connect_args, **options)
    # sqlite3's `timeout` is SQLite's busy timeout: how long a transaction waits for the lock.
    connect_args = {"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S}
    connect_args.update(options.pop("connect_args", {}))
    engine = create_engine(parsed, connect_args=connect_args, **options)
    event.listen(engine, "connect", _on_sqlite_connect_reader if read_only else _on_sqlite_connect)
    event.listen(engine, "begin", _on_sqlite_begin_deferred if read_only else _on_sqlite_begin)
    return engine


def _on_sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The driver must not emit its own (deferred) BEGIN: `_on_sqlite_begin` does it.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        _enable_wal(cursor)
        # In WAL mode NORMAL never corrupts the file; it only skips the fsync of each commit (a
        # power cut may lose the last ones). Commits then cost microseconds instead of a disk
        # flush, which every sessions change and sign-in waits on. Deployments that need every
        # commit on disk run PostgreSQL.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def _on_sqlite_connect_reader(dbapi_connection: Any, record: Any) -> None:
    _on_sqlite_connect(dbapi_connection, record)
    # A write through the reader fails loudly instead of upgrading a deferred transaction.
    dbapi_connection.execute("PRAGMA query_only=ON")


def _enable_wal(cursor: sqlite3.Cursor) -> None:
    # While another process switches a fresh file to WAL (or checkpoints it on close), SQLite
    # can report "database is locked" at once, without waiting the busy timeout: wait it here.
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_S
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if not is_lock_conflict(error) or time.monotonic() >= deadline:
                raise
            time.sleep(_WAL_RETRY_PAUSE_S)


def is_lock_conflict(error: BaseException) -> bool:
    """Whether a SQLite error says another connection holds a lock it needs.

    Args:
        error: A `sqlite3` error, or SQLAlchemy's wrapper of one.

    Returns:
        True for "database is locked" and its kin (a table or the schema locked).
    """
    return "locked" in str(getattr(error, "orig", None) or error)


def _on_sqlite_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _on_sqlite_begin_deferred(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN")


@lru_cache(maxsize=4)
def _engine_for(url: str) -> Engine:
    return make_engine(url)


@lru_cache(maxsize=4)
def _reader_for(url: str) -> Engine:
    return make_engine(url, read_only=True) if make_url(url).get_backend_name() == "sqlite" else _engine_for(url)


def get_engine() -> Engine:
    """Return the process-wide engine for `get_settings().database_url`.

    Returns:
        A shared engine, created on first use.
    """
    return _engine_for(get_settings().database_url)


def get_reader_engine() -> Engine:
    """Return the process-wide engine for transactions that only read (see `make_engine`).

    Returns:
        On SQLite a shared read-only engine, created on first use; elsewhere `get_engine()`.
    """
    return _reader_for(get_settings().database_url)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """Open a database session and close it afterwards; it never commits by itself.

    Pass it as `db` to the service functions: each of them runs its own transaction.

    Args:
        engine: The engine to use; `get_engine()` when omitted (`get_reader_engine()` for
            service calls that only read).

    Yields:
        A SQLModel session with no transaction in progress.
    """
    with Session(engine or get_engine()) as db:
        yield db
