"""The Alembic migrations build exactly the schema of the SQLModel tables."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

import smnb_app.db.models  # noqa: F401  (registers the tables)
from smnb_app.db import make_engine, upgrade_to_head
from smnb_app.db.migrate import PROJECT_ROOT, alembic_config
from tests.unit.db_support import postgres_base_url, postgres_schema, sqlite_url

TABLES = {"users", "sessions"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database: a new SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "fresh.db")
        return
    with postgres_schema(postgres_base_url()) as url:
        yield url


def _differences(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, SQLModel.metadata)


def _version(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def test_upgrade_matches_models_and_is_idempotent(fresh_url: str) -> None:
    upgrade_to_head(fresh_url)
    engine = make_engine(fresh_url, poolclass=NullPool)
    try:
        assert _differences(engine) == []
        assert _version(engine) == "0001"
        upgrade_to_head(engine)
        assert _version(engine) == "0001"
        assert _differences(engine) == []
    finally:
        engine.dispose()


def test_downgrade_to_base_and_back(fresh_url: str) -> None:
    engine = make_engine(fresh_url, poolclass=NullPool)
    try:
        upgrade_to_head(engine)
        config = alembic_config()
        with engine.connect() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "base")
        assert TABLES.isdisjoint(inspect(engine).get_table_names())
        assert _version(engine) is None
        upgrade_to_head(engine)
        assert TABLES <= set(inspect(engine).get_table_names())
        assert _differences(engine) == []
    finally:
        engine.dispose()


def test_concurrent_start_ups_migrate_once(fresh_url: str) -> None:
    """Processes (and threads) starting together: one migrates, the others find it done."""
    # fork, not spawn: a child needs no fresh interpreter start-up, so it races for real.
    processes = [
        multiprocessing.get_context("fork").Process(target=upgrade_to_head, args=(fresh_url,))
        for _ in range(2)
    ]
    for process in processes:
        process.start()
    errors: list[BaseException] = []

    def start() -> None:
        try:
            upgrade_to_head(fresh_url)
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    engine = make_engine(fresh_url, poolclass=NullPool)
    try:
        assert _version(engine) == "0001"
        assert _differences(engine) == []
    finally:
        engine.dispose()


def test_alembic_cli_upgrades_a_fresh_file(tmp_path: Path) -> None:
    db_file = tmp_path / "cli.db"
    env = {**os.environ, "DATABASE_URL": sqlite_url(db_file)}
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    engine = make_engine(sqlite_url(db_file), poolclass=NullPool)
    try:
        assert _differences(engine) == []
    finally:
        engine.dispose()
