"""Databases for the data-layer tests: throwaway PostgreSQL schemas, SQLite URLs, users and snapshots.

The fixtures built on these (`engine`, `db`, `app_sqlite`, ...) are in `tests/unit/conftest.py`.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from smnb_app.db import ModelSession, User, make_engine, table_of
from smnb_app.services.identity.users import identity_from_claims, upsert_user
from tests.support.auth import ISSUER

PG_ENV = "SMNB_TEST_POSTGRES_URL"
PG_SKIP_REASON = "SMNB_TEST_POSTGRES_URL not set: start PostgreSQL on 127.0.0.1:5432 or set it"


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


def make_user(db: Session, subject: str, **claims: Any) -> int:
    """Sign a user in (creating their Welcome Session) and return their id."""
    identity = identity_from_claims(issuer=ISSUER, subject=subject, claims=claims or {"name": subject})
    return upsert_user(db=db, identity=identity).id


def snapshot(engine: Engine) -> tuple[list[Any], list[Any]]:
    """Every row of `users` and `sessions`, in id order, read on a fresh connection."""
    with engine.connect() as conn:
        users_table, sessions_table = table_of(User), table_of(ModelSession)
        users = conn.execute(select(users_table).order_by(users_table.c.id)).all()
        sessions = conn.execute(select(sessions_table).order_by(sessions_table.c.id)).all()
    return [tuple(row) for row in users], [tuple(row) for row in sessions]
