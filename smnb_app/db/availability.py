"""Telling "the database did not answer" apart from every other failure.

A refused, dropped or timed-out connection is an outage, not a bug: the user is told to try
again, the log gets one line, and the transaction that was cut is rolled back by the database,
so nothing is half-written. The pool pings connections before use, so the app works again as
soon as the database answers, without a restart.
"""

from __future__ import annotations

from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

_OUTAGES = (OperationalError, InterfaceError, DisconnectionError, PoolTimeoutError)


class DatabaseUnavailable(Exception):
    """The database did not answer; nothing was written.

    Attributes:
        reason: The driver's first line, for a log line of its own.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def as_outage(error: BaseException) -> DatabaseUnavailable | None:
    """The outage an exception of the data layer stands for, if it is one.

    Args:
        error: What a database call raised.

    Returns:
        A `DatabaseUnavailable` with the driver's first line, or None for any other error.
    """
    if not isinstance(error, _OUTAGES):
        return None
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return DatabaseUnavailable(lines[0][:200] if lines else type(cause).__name__)
