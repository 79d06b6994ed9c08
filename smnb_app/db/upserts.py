"""INSERT ... ON CONFLICT for the two databases the app runs on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite

_INSERTS: dict[str, Callable[..., Any]] = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def conflict_insert(dialect: str) -> Callable[..., Any]:
    """The dialect's `insert`, whose statements offer `on_conflict_do_update` and `_do_nothing`.

    Args:
        dialect: The bind's dialect name (`db.get_bind().dialect.name`).

    Returns:
        `sqlalchemy.dialects.sqlite.insert` or `...postgresql.insert`.

    Raises:
        RuntimeError: For any other database (the settings refuse them at start-up).
    """
    try:
        return _INSERTS[dialect]
    except KeyError:
        raise RuntimeError(f"the app supports SQLite and PostgreSQL, not {dialect}") from None
