"""Database fixtures and helpers shared by the data-layer tests.

Import the fixtures a test module needs (`from tests.unit.db_support import db, engine`).
`engine` runs each test on a fresh migrated SQLite file and, when SMNB_TEST_POSTGRES_URL is
set, on PostgreSQL in a schema private to this test run (dropped at the end), since other runs
may share the database.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from smnb_app.db import ModelSession, User, make_engine, upgrade_to_head
from smnb_app.services.identity.users import identity_from_claims, upsert_user

PG_ENV = "SMNB_TEST_POSTGRES_URL"
PG_SKIP_REASON = "SMNB_TEST_POSTGRES_URL not set: start PostgreSQL on 127.0.0.1:5432 or set it"
ISSUER = "https://issuer.test"


def postgres_base_url() -> str:
    """Return the PostgreSQL URL of the environment, or skip the test visibly."""
    url = os.environ.get(PG_ENV, "").strip()
    if not url:
        pytest.skip(PG_SKIP_REASON)
    return url


@contextmanager
def postgres_schema(base_url: str) -> Iterator[str]:
    """Create a uniquely named schema; yield a URL whose connections use only it; drop it."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(base_url, poolclass=NullPool)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


def sqlite_url(path: Path) -> str:
    """Return the SQLAlchemy URL of a SQLite file."""
    return f"sqlite:///{path}"


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
    from smnb_app.db import engine as engine_module
    from smnb_app.db import on_loop

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


def make_user(db: Session, subject: str, **claims: Any) -> int:
    """Sign a user in (creating their Welcome Session) and return their id."""
    identity = identity_from_claims(issuer=ISSUER, subject=subject, claims=claims or {"name": subject})
    return upsert_user(db=db, identity=identity).id


def snapshot(engine: Engine) -> tuple[list[Any], list[Any]]:
    """Every row of `users` and `sessions`, in id order, read on a fresh connection."""
    with engine.connect() as conn:
        users = conn.execute(select(User.__table__).order_by(User.__table__.c.id)).all()
        sessions = conn.execute(select(ModelSession.__table__).order_by(ModelSession.__table__.c.id)).all()
    return [tuple(row) for row in users], [tuple(row) for row in sessions]
