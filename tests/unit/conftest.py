"""The unit tests' shared fixtures: databases, a JWKS server, and the app's states run in process.

`engine` runs each test on a fresh migrated SQLite file and, when SMNB_TEST_POSTGRES_URL is set,
on PostgreSQL in a schema private to this test run (dropped at the end), since other runs may
share the database. Plain helpers (`make_user`, `snapshot`, ...) are in `tests/support/`.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from reflex.istate.manager.memory import StateManagerMemory
from sqlalchemy import Engine
from sqlmodel import Session

from smnb_app.db import engine as engine_module
from smnb_app.db import make_engine, on_loop, upgrade_to_head
from tests.support.auth import signing_key
from tests.support.database import postgres_base_url, postgres_schema, sqlite_url
from tests.support.jwks_server import JwksServer
from tests.support.tabs import background_work_done, in_process_settings


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A migrated PostgreSQL schema for this test run (skipped without SMNB_TEST_POSTGRES_URL)."""
    with postgres_schema(postgres_base_url()) as url:
        upgrade_to_head(url)
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per run; tests get copies (a migration per test is slow)."""
    path = tmp_path_factory.mktemp("template") / "smnb.db"
    upgrade_to_head(sqlite_url(path))
    return path


@pytest.fixture
def app_sqlite(tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The app's own database (what `run_db` uses): a migrated SQLite file, forgotten afterwards."""
    path = tmp_path / "smnb.db"
    shutil.copyfile(sqlite_template, path)
    monkeypatch.setattr(engine_module, "get_settings", lambda: SimpleNamespace(database_url=sqlite_url(path)))
    caches = (engine_module._engine_for, engine_module._reader_for, on_loop._engines_for)
    for cache in caches:
        cache.cache_clear()
    yield path
    for engine in on_loop._engines_for(engine_module.get_engine().url):
        engine.dispose()
    engine_module.get_engine().dispose()
    engine_module.get_reader_engine().dispose()
    for cache in caches:
        cache.cache_clear()


@pytest.fixture
def app_database(app_sqlite: Path) -> Engine:
    """The app's own database engine (what `run_db` uses)."""
    return engine_module.get_engine()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[Engine]:
    """An engine on an empty, migrated database: a SQLite file, then PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "smnb.db"
        shutil.copyfile(sqlite_template, path)
        eng = make_engine(sqlite_url(path), pool_size=25)
    else:
        eng = make_engine(request.getfixturevalue("pg_url"), pool_size=25)
        with eng.begin() as conn:
            conn.exec_driver_sql(
                "TRUNCATE auth_events, revocations, webhook_deliveries, sessions, users RESTART IDENTITY CASCADE"
            )
    yield eng
    eng.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A database session on `engine` with no transaction in progress."""
    with Session(engine) as session:
        yield session


@pytest.fixture
def jwks_server() -> Iterator[JwksServer]:
    """A JWKS endpoint on loopback publishing `signing_key(0)`."""
    with JwksServer([signing_key(0)]) as running:
        yield running


@pytest.fixture
async def state_manager(
    app_sqlite: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[StateManagerMemory]:
    """The app's states in process: Reflex's memory state manager, with the app configured around it.

    The settings come from the environment (see `in_process_settings`): Clerk mode verifying
    tokens of `signing_key(0)` without a network, on the `app_sqlite` database. Background work
    the handlers started (audit rows, live sync) is finished before the database goes.
    """
    with in_process_settings(monkeypatch, database=app_sqlite, key_dir=tmp_path / "keys"):
        manager = StateManagerMemory()
        try:
            yield manager
        finally:
            await background_work_done()
            await manager.close()
