"""Tables, engine tuning and database sessions of smnb_app.db."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import Engine, String, exc, inspect
from sqlalchemy.dialects import postgresql as postgresql_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlmodel import Session, select

from smnb_app.config.settings import Settings
from smnb_app.db import ModelSession, User, make_engine, normalize_url, session_scope, table_of
from smnb_app.db import engine as engine_module
from smnb_app.db.upserts import conflict_insert
from tests.support.database import make_user, sqlite_url


def test_tables_columns_and_indexes() -> None:
    users, sessions = table_of(User), table_of(ModelSession)
    assert (users.name, sessions.name) == ("users", "sessions")
    assert set(users.c.keys()) == {
        "id",
        "name",
        "email",
        "token_identifier",
        "avatar_url",
        "created_at",
        "last_active_at",
        "profile_updated_at",
    }
    assert set(sessions.c.keys()) == {"id", "user_id", "name", "status", "settings", "created_at", "updated_at"}
    indexes = {ix.name: ([c.name for c in ix.columns], ix.unique) for ix in users.indexes}
    assert indexes == {
        "ix_users_token_identifier": (["token_identifier"], True),
        "ix_users_email": (["email"], False),
    }
    indexes = {str(ix.name): [c.name for c in ix.columns] for ix in sessions.indexes}
    assert indexes["ix_sessions_user_id"][0] == "user_id"
    assert indexes["ix_sessions_user_id_status"][:2] == ["user_id", "status"]
    (fk,) = sessions.foreign_keys
    assert (fk.target_fullname, fk.ondelete) == ("users.id", "CASCADE")
    name_type = sessions.c.name.type
    assert isinstance(name_type, String) and name_type.length == 100


def test_json_settings_round_trip_and_cascade_delete(engine: Engine, db: Session) -> None:
    user_id = make_user(db, "alice")
    settings = {"model": "gpt-4", "temperature": 1.5, "nested": {"a": [1, None, "ü"]}}
    with db.begin():
        db.add(ModelSession(user_id=user_id, name="x", status="paused", settings=settings))
    with Session(engine) as other:
        rows = other.exec(select(ModelSession).where(ModelSession.name == "x")).all()
        assert [row.settings for row in rows] == [settings]
    with db.begin():
        db.delete(db.get(User, user_id))
    with Session(engine) as other:
        assert other.exec(select(ModelSession)).all() == []


def test_sqlite_pragmas(tmp_path: Path) -> None:
    eng = make_engine(sqlite_url(tmp_path / "p.db"))
    with eng.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    eng.dispose()


def test_sqlite_transactions_begin_immediate(tmp_path: Path) -> None:
    """Even a reading transaction holds the write lock, so writers queue instead of deadlocking."""
    url = sqlite_url(tmp_path / "lock.db")
    first = make_engine(url)
    impatient = make_engine(url, connect_args={"timeout": 0.05})
    with first.connect() as conn, conn.begin():
        conn.exec_driver_sql("SELECT 1")
        with impatient.connect() as other, pytest.raises(exc.OperationalError, match="locked"):
            other.exec_driver_sql("SELECT 1")
    first.dispose()
    impatient.dispose()


def _rollback_journal_file_locked_exclusively(path: Path) -> sqlite3.Connection:
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN EXCLUSIVE")
    return holder


def test_wal_switch_waits_for_a_lock_sqlite_reports_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A connection racing another process for the WAL switch retries instead of failing."""
    path = tmp_path / "race.db"
    holder = _rollback_journal_file_locked_exclusively(path)
    pauses: list[float] = []

    def release_then_pause(seconds: float) -> None:
        pauses.append(seconds)
        holder.execute("COMMIT")

    monkeypatch.setattr(engine_module, "time", SimpleNamespace(monotonic=time.monotonic, sleep=release_then_pause))
    # timeout 0: SQLite's own busy handler never waits, as in the race it does not.
    eng = make_engine(sqlite_url(path), connect_args={"timeout": 0})
    with eng.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert len(pauses) == 1
    eng.dispose()
    holder.close()


def test_wal_switch_gives_up_after_the_busy_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "stuck.db"
    holder = _rollback_journal_file_locked_exclusively(path)
    monkeypatch.setattr(engine_module, "SQLITE_BUSY_TIMEOUT_S", 0.05)
    eng = make_engine(sqlite_url(path), connect_args={"timeout": 0})
    with pytest.raises(exc.OperationalError, match="locked"):
        eng.connect()
    eng.dispose()
    holder.close()


def test_sqlite_concurrent_writers_serialize(tmp_path: Path, sqlite_template: Path) -> None:
    path = tmp_path / "w.db"
    path.write_bytes(sqlite_template.read_bytes())
    eng = make_engine(sqlite_url(path), pool_size=10)
    with Session(eng) as db:
        user_id = make_user(db, "writer")
    barrier = threading.Barrier(10)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            with Session(eng) as own, own.begin():
                barrier.wait()
                count = len(own.exec(select(ModelSession)).all())
                own.add(ModelSession(user_id=user_id, name=f"s{n}-{count}", settings={}))
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with Session(eng) as db:
        assert len(db.exec(select(ModelSession)).all()) == 11
    eng.dispose()


def test_normalize_url_pins_psycopg2() -> None:
    pinned = normalize_url("postgresql://root@127.0.0.1:5432/test")
    assert pinned.drivername == "postgresql+psycopg2"
    assert normalize_url("postgresql+psycopg2://h/d").drivername == "postgresql+psycopg2"
    assert normalize_url("sqlite:///x.db").drivername == "sqlite"


def test_get_engine_is_cached_for_the_settings_url(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "settings.db")
    monkeypatch.setattr(engine_module, "get_settings", lambda: Settings(database_url=url))
    engine_module._engine_for.cache_clear()
    first = engine_module.get_engine()
    try:
        assert first is engine_module.get_engine()
        assert str(first.url) == url
        with session_scope() as db:
            assert db.get_bind() is first
            assert not db.in_transaction()
    finally:
        engine_module._engine_for.cache_clear()
        first.dispose()


def test_migrated_schema_has_both_tables(engine: Engine) -> None:
    assert {"users", "sessions"} <= set(inspect(engine).get_table_names())


def test_conflict_inserts_exist_for_sqlite_and_postgresql_only() -> None:
    assert conflict_insert("sqlite") is sqlite_dialect.insert
    assert conflict_insert("postgresql") is postgresql_dialect.insert
    with pytest.raises(RuntimeError, match="not mysql"):
        conflict_insert("mysql")
