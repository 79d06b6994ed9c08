"""An administrative connection to a PostgreSQL server, for creating and dropping throwaway databases."""

from __future__ import annotations

from typing import Any

import psycopg2
from sqlalchemy.engine import make_url


def admin_connection(database_url: str) -> Any:
    """Connect in autocommit mode (CREATE DATABASE refuses to run inside a transaction).

    Args:
        database_url: A database URL on the server.

    Returns:
        An open psycopg2 connection; the caller closes it.
    """
    url = make_url(database_url)
    connection = psycopg2.connect(
        host=url.host,
        port=url.port or 5432,
        user=url.username,
        password=url.password,
        dbname=url.database,
        connect_timeout=5,
    )
    connection.autocommit = True
    return connection
