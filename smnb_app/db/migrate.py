"""Bring a database to the current schema with Alembic (`upgrade head`), programmatically."""

from __future__ import annotations

import threading
from pathlib import Path

from alembic.config import Config
from sqlalchemy import Engine
from sqlalchemy.pool import NullPool

from alembic import command
from smnb_app.config.settings import get_settings
from smnb_app.db.engine import make_engine

PROJECT_ROOT = Path(__file__).resolve().parents[2]
ALEMBIC_INI = PROJECT_ROOT / "alembic.ini"
ALEMBIC_DIR = PROJECT_ROOT / "alembic"
# Alembic's command API runs env.py against module-level state (`alembic.context`).
_ALEMBIC_LOCK = threading.Lock()


def alembic_config() -> Config:
    """Build the Alembic configuration of this project, independent of the working directory.

    Returns:
        The configuration read from `alembic.ini`, with an absolute script location.
    """
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("script_location", str(ALEMBIC_DIR))
    return config


def upgrade_to_head(target: str | Engine | None = None) -> None:
    """Run every pending migration; a database already at head is left untouched.

    The whole upgrade is one transaction (BEGIN IMMEDIATE on SQLite, an advisory lock on
    PostgreSQL, see `alembic/env.py`), so app processes starting together migrate once;
    threads of one process take turns.

    Args:
        target: An engine or a database URL; `get_settings().database_url` when omitted.
    """
    owned = not isinstance(target, Engine)
    engine = (
        target if isinstance(target, Engine) else make_engine(target or get_settings().database_url, poolclass=NullPool)
    )
    try:
        config = alembic_config()
        with _ALEMBIC_LOCK, engine.connect() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    finally:
        if owned:
            engine.dispose()
