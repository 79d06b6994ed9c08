"""A fresh PostgreSQL database for one `bench/load.py` run, dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager

from sqlalchemy.engine import make_url

from tests.support.postgres import admin_connection


@contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """Create an empty database on the server of `server_url`; yield its URL; drop it at the end.

    Args:
        server_url: Any database URL on the server (its user must be allowed to create databases).

    Yields:
        The new database's URL (the app migrates it at start-up).
    """
    name = f"smnb_load_{uuid.uuid4().hex[:10]}"
    with closing(admin_connection(server_url)) as admin, admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with closing(admin_connection(server_url)) as admin, admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
