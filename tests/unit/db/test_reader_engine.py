"""The read-only SQLite engine: reads that neither wait for a writer nor hold one up, and never write."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import exc, text
from sqlmodel import Session

from smnb_app.db import engine as engine_module
from smnb_app.db import make_engine
from smnb_app.db.availability import DatabaseUnavailable
from smnb_app.services.sessions import tally_sessions
from smnb_app.web.shared import runtime
from tests.support.database import make_user, sqlite_url

# A wait for the write lock would fail within this, instead of SQLite's 30 s busy timeout.
NO_WAIT = {"timeout": 0.2}


@pytest.fixture
def database(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "smnb.db"
    shutil.copyfile(sqlite_template, path)
    return sqlite_url(path)


def test_a_read_only_session_reads_while_a_writer_holds_the_lock(database: str) -> None:
    writer, reader = (
        make_engine(database, connect_args=NO_WAIT),
        make_engine(database, read_only=True, connect_args=NO_WAIT),
    )
    with Session(writer) as db:
        user_id = make_user(db, "user_reader")
    try:
        with writer.connect() as holding:
            holding.begin()
            holding.exec_driver_sql("UPDATE sessions SET name = 'Uncommitted' WHERE user_id = ?", (user_id,))
            with Session(reader) as db:
                tally = tally_sessions(db=db, user_id=user_id)
                names = (
                    db.connection().execute(text("SELECT name FROM sessions WHERE user_id = :u"), {"u": user_id}).all()
                )
            # A second writer would wait for the lock: the reader did not.
            with Session(writer) as db, pytest.raises(exc.OperationalError, match="locked"):
                make_user(db, "user_blocked")
        assert tally.counts.total == 1
        assert [name for (name,) in names] == ["Welcome Session"]
    finally:
        writer.dispose()
        reader.dispose()


def test_a_read_only_session_refuses_to_write(database: str) -> None:
    reader = make_engine(database, read_only=True)
    try:
        with Session(reader) as db, pytest.raises(exc.OperationalError, match="readonly"):
            make_user(db, "user_sneaky")
        with reader.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM users").scalar() == 0
    finally:
        reader.dispose()


def test_run_db_reads_through_the_reader_only_when_told(database: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "get_settings", lambda: SimpleNamespace(database_url=database))
    engine_module._engine_for.cache_clear()
    engine_module._reader_for.cache_clear()
    writer, reader = engine_module.get_engine(), engine_module.get_reader_engine()
    try:
        user_id = asyncio.run(runtime.run_db(lambda db: make_user(db, "user_both")))
        tally = asyncio.run(runtime.run_db(lambda db: tally_sessions(db=db, user_id=user_id), read_only=True))
        assert tally.counts.total == 1
        with pytest.raises(DatabaseUnavailable, match="readonly"):
            asyncio.run(runtime.run_db(lambda db: make_user(db, "user_other"), read_only=True))
        assert reader is not writer
    finally:
        writer.dispose()
        reader.dispose()
        engine_module._engine_for.cache_clear()
        engine_module._reader_for.cache_clear()


def test_postgres_reads_through_its_one_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgresql://nobody@127.0.0.1:1/none"
    monkeypatch.setattr(engine_module, "get_settings", lambda: SimpleNamespace(database_url=url))
    engine_module._engine_for.cache_clear()
    engine_module._reader_for.cache_clear()
    try:
        assert engine_module.get_reader_engine() is engine_module.get_engine()
    finally:
        engine_module._engine_for.cache_clear()
        engine_module._reader_for.cache_clear()
