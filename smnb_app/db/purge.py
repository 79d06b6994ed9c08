"""Retention: deleting the rows of a table that have outlived their use, in one statement."""

from __future__ import annotations

from sqlalchemy import ColumnElement, delete
from sqlmodel import Session, SQLModel


def purge(*, db: Session, model: type[SQLModel], expired: ColumnElement[bool]) -> int:
    """Delete, in a transaction of its own, the rows of a table that have expired.

    Args:
        db: A database session with no transaction in progress.
        model: The table's model.
        expired: Which rows have expired, e.g. those whose time is before a cutoff.

    Returns:
        How many rows were deleted.
    """
    with db.begin():
        return db.exec(delete(model).where(expired)).rowcount
