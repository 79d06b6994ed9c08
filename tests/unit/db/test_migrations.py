"""The Alembic migrations build exactly the schema of the SQLModel tables."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, Inspector, inspect
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

import smnb_app.db.models  # noqa: F401  (registers the tables)
from alembic import command
from smnb_app.db import make_engine, upgrade_to_head
from smnb_app.db.migrate import PROJECT_ROOT, alembic_config
from tests.support.database import postgres_base_url, postgres_schema, sqlite_url

TABLES = {"users", "sessions", "auth_events", "revocations", "webhook_deliveries"}
HEAD = "0003"


@contextmanager
def _empty_database(backend: str, tmp_path: Path, name: str) -> Iterator[str]:
    if backend == "sqlite":
        yield sqlite_url(tmp_path / f"{name}.db")
        return
    with postgres_schema(postgres_base_url()) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    """The database backend of the test: SQLite, then PostgreSQL."""
    return request.param


@pytest.fixture
def fresh_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database: a new SQLite file, or a new PostgreSQL schema."""
    with _empty_database(backend, tmp_path, "fresh") as url:
        yield url


def _differences(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, SQLModel.metadata)


def _version(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _table_shape(inspector: Inspector, table: str) -> dict[str, Any]:
    # Check constraints and partial-index predicates escape `compare_metadata`: each database
    # reports them in its own canonical text, so a migrated schema is compared to one built
    # from the models on the same backend.
    return {
        "columns": [
            (col["name"], str(col["type"]), col["nullable"], col.get("default")) for col in inspector.get_columns(table)
        ],
        "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
        "checks": sorted((ck["name"], ck["sqltext"]) for ck in inspector.get_check_constraints(table)),
        "foreign_keys": sorted(
            (
                fk["name"],
                fk["constrained_columns"],
                fk["referred_table"],
                fk["referred_columns"],
                sorted(fk.get("options", {}).items()),
            )
            for fk in inspector.get_foreign_keys(table)
        ),
        "indexes": sorted(
            (
                ix["name"],
                ix["column_names"],
                bool(ix["unique"]),
                sorted((key, str(value)) for key, value in ix.get("dialect_options", {}).items()),
            )
            for ix in inspector.get_indexes(table)
        ),
    }


def _schema_shape(engine: Engine) -> dict[str, Any]:
    inspector = inspect(engine)
    shape: dict[str, Any] = {table: _table_shape(inspector, table) for table in sorted(TABLES)}
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            shape["autoincrement"] = sorted(
                conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%AUTOINCREMENT%'"
                ).scalars()
            )
    return shape


def test_upgrade_matches_models_and_is_idempotent(fresh_url: str) -> None:
    upgrade_to_head(fresh_url)
    engine = make_engine(fresh_url, poolclass=NullPool)
    try:
        assert _differences(engine) == []
        assert _version(engine) == HEAD
        upgrade_to_head(engine)
        assert _version(engine) == HEAD
        assert _differences(engine) == []
    finally:
        engine.dispose()


def test_migrated_schema_reflects_exactly_like_the_models(backend: str, fresh_url: str, tmp_path: Path) -> None:
    """Constraints, foreign-key actions and partial indexes too, as each backend reports them."""
    upgrade_to_head(fresh_url)
    with _empty_database(backend, tmp_path, "models") as models_url:
        migrated = make_engine(fresh_url, poolclass=NullPool)
        from_models = make_engine(models_url, poolclass=NullPool)
        try:
            SQLModel.metadata.create_all(from_models)
            shape = _schema_shape(migrated)
            assert shape == _schema_shape(from_models)
        finally:
            migrated.dispose()
            from_models.dispose()
    events = shape["auth_events"]
    assert [name for name, _ in events["checks"]] == ["ck_auth_events_kind"]
    (once_per_sid,) = [ix for ix in events["indexes"] if ix[0] == "ux_auth_events_once_per_sid"]
    assert once_per_sid[2] is True and "sid IS NOT NULL" in str(once_per_sid[3])


def test_downgrade_to_0001_drops_only_the_later_tables(fresh_url: str) -> None:
    engine = make_engine(fresh_url, poolclass=NullPool)
    try:
        upgrade_to_head(engine)
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO users (name, token_identifier, created_at, last_active_at) VALUES ('Ann', 'iss|ann', 1, 1)"
            )
        config = alembic_config()
        with engine.connect() as conn:
            config.attributes["connection"] = conn
            command.downgrade(config, "0001")
        assert set(inspect(engine).get_table_names()) & TABLES == {"users", "sessions"}
        assert _version(engine) == "0001"
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT name FROM users").scalars().all() == ["Ann"]
        upgrade_to_head(engine)
        assert _version(engine) == HEAD
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
        multiprocessing.get_context("fork").Process(target=upgrade_to_head, args=(fresh_url,)) for _ in range(2)
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
        assert _version(engine) == HEAD
        assert _differences(engine) == []
    finally:
        engine.dispose()


def test_alembic_cli_upgrades_a_fresh_file(tmp_path: Path) -> None:
    db_file = tmp_path / "cli.db"
    env = {**os.environ, "DATABASE_URL": sqlite_url(db_file)}
    result = subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    engine = make_engine(sqlite_url(db_file), poolclass=NullPool)
    try:
        assert _differences(engine) == []
    finally:
        engine.dispose()
