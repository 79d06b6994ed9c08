"""Alembic environment: runs migrations for smnb_app against SQLite or PostgreSQL.

The connection comes from `config.attributes["connection"]` (set by
`smnb_app.db.upgrade_to_head`), else from `sqlalchemy.url`, else from
`smnb_app.config.settings.get_settings().database_url`.
"""

from __future__ import annotations

from logging.config import fileConfig

from sqlalchemy import Connection
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

import smnb_app.db  # noqa: F401  (registers every table on SQLModel.metadata)
from alembic import context
from smnb_app.config.settings import get_settings
from smnb_app.db.engine import make_engine, normalize_url

# Any constant works; it only has to be the same in every process that migrates this database.
PG_MIGRATION_LOCK_ID = 0x534D4E42

config = context.config
target_metadata = SQLModel.metadata


def _database_url() -> str:
    return config.get_main_option("sqlalchemy.url") or get_settings().database_url


def _configure(connection: Connection | None = None) -> None:
    if connection is None:
        url = normalize_url(_database_url())
        context.configure(
            url=url,
            target_metadata=target_metadata,
            literal_binds=True,
            dialect_opts={"paramstyle": "named"},
            render_as_batch=url.get_backend_name() == "sqlite",
        )
    else:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
        )


def run_migrations_offline() -> None:
    """Emit the migration SQL to stdout (`alembic upgrade head --sql`)."""
    _configure()
    with context.begin_transaction():
        context.run_migrations()


def _execute_raw(connection: Connection, sql: str) -> None:
    driver_connection = connection.connection.driver_connection
    # Only a closed or invalidated connection has lost its driver connection.
    assert driver_connection is not None
    driver_connection.execute(sql)


def _run_in_one_transaction(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Table rebuilds (batch mode) drop tables, which with enforced foreign keys would cascade
        # deletes; SQLite ignores this pragma inside a transaction, so it goes first, raw.
        _execute_raw(connection, "PRAGMA foreign_keys=OFF")
    try:
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({PG_MIGRATION_LOCK_ID})")
            _configure(connection)
            context.run_migrations()
            if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                raise RuntimeError("migration left rows violating a foreign key; rolled back")
    finally:
        if sqlite:
            _execute_raw(connection, "PRAGMA foreign_keys=ON")


def run_migrations_online() -> None:
    """Run the migrations on a live connection, all of them in a single transaction."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_in_one_transaction(connection)
        return
    engine = make_engine(_database_url(), poolclass=NullPool)
    try:
        with engine.connect() as own_connection:
            _run_in_one_transaction(own_connection)
    finally:
        engine.dispose()


if config.config_file_name is not None and "connection" not in config.attributes:
    # Only for the CLI: the app's own logging must survive a programmatic upgrade.
    fileConfig(config.config_file_name, disable_existing_loggers=False)

if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
