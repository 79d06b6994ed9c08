"""The Core `Table` of a SQLModel table class, typed.

SQLModel sets `__table__` on every `table=True` class but does not declare it, so a type checker
knows no such attribute; statements built on the table (upserts, `RETURNING *`) read it here.
"""

from __future__ import annotations

from sqlalchemy import Table, inspect
from sqlmodel import SQLModel


def table_of(model: type[SQLModel]) -> Table:
    """Return the table a table model maps.

    Args:
        model: A SQLModel class declared with `table=True`.

    Returns:
        Its `Table` (the same object as `model.__table__`).

    Raises:
        TypeError: If the model maps something other than one table.
    """
    table = inspect(model).local_table
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} maps no table of its own")
    return table
