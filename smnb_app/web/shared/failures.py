"""Unexpected failures: of an event handler (logged, a plain notice in the tab) or of a page.

Reflex's default backend handler shows a toast through code the server sends to the browser,
which the Content-Security-Policy (no eval) rightly blocks; this one changes a state var
instead. Its default frontend handler logs whatever text a page reports, at error level and
verbatim, so any browser could write lines into the server log; here it is one escaped,
bounded warning line.

An event that failed because Redis did not answer cannot change a state var (the state is in
Redis): its notice goes to the tab as a delta of its own, see `redis_outage`.
"""

from __future__ import annotations

import logging
from typing import cast

import reflex as rx
from reflex.event import EventSpec
from reflex_base.constants.state import FIELD_MARKER

from smnb_app.db.availability import DatabaseUnavailable
from smnb_app.web.shared.redis_outage import (
    is_redis_outage,
    note_outage,
    refuse_for_outage,
    refused_before_handler,
    watch_reflex_outage_reports,
)

logger = logging.getLogger(__name__)

UNEXPECTED = "Something went wrong. Try again, or reload the page."
UNAVAILABLE = "The service is unavailable right now. Nothing was changed; try again in a moment."
UNFINISHED = (
    "The service is unavailable right now, and your last action may not have finished. "
    "This page shows what was saved once the service is back."
)

# At import, before any outage: Reflex reports one from its first failed call.
watch_reflex_outage_reports()


def report_failure(what: str, error: BaseException, message: str = UNEXPECTED) -> str:
    """Log a failure and choose what the user is told.

    An outage of the database is expected now and then: one warning line, and the user is
    told to try again. So is one of Redis (one warning for the whole outage), but met inside a
    handler it may follow a write, so the user is told the action may not have finished.
    Anything else is a bug: logged at error level with its traceback.

    Args:
        what: What failed, for the log ("session action failed").
        error: The exception.
        message: What to tell the user when it is not an outage.

    Returns:
        `UNAVAILABLE` for a database outage, `UNFINISHED` for a Redis one, else `message`.
    """
    if isinstance(error, DatabaseUnavailable):
        logger.warning("%s: the database is unavailable (%s)", what, error.reason)
        return UNAVAILABLE
    if is_redis_outage(error):
        # Inside a handler: what it did before Redis failed may stand.
        note_outage(what)
        return UNFINISHED
    logger.error(what, exc_info=error)
    return message


class FailureState(rx.State):
    """Whether the tab's last action failed unexpectedly, and what to tell the user."""

    failed: bool = False
    message: str = UNEXPECTED

    @rx.event
    def show_failure(self, message: str = UNEXPECTED):
        """Show the notice (chained by the server's exception handler, never by the browser).

        Args:
            message: One of the server's fixed messages.
        """
        self.failed = True
        self.message = message if message in (UNEXPECTED, UNAVAILABLE, UNFINISHED) else UNEXPECTED

    @rx.event
    def dismiss_failure(self):
        """Hide the notice."""
        self.failed = False


def backend_exception_handler(exception: Exception) -> EventSpec | None:
    """Log an exception an event handler raised, and tell its tab that something went wrong.

    Args:
        exception: What the handler raised.

    Returns:
        The event that shows the notice; None when Redis failed the event, whose notice is sent
        straight away (a chained event would need Redis again).
    """
    if is_redis_outage(exception):
        message = UNAVAILABLE if refused_before_handler(exception) else UNFINISHED
        notice = {FailureState.get_full_name(): {f"failed{FIELD_MARKER}": True, f"message{FIELD_MARKER}": message}}
        refuse_for_outage(notice, f"an event was refused: {type(exception).__name__}")
        return None
    # Reflex types a called handler as its static stand-in, `EventCallback`; at run time it is an `EventSpec`.
    return cast(EventSpec, FailureState.show_failure(report_failure("an event handler failed", exception)))


def frontend_exception_handler(exception: Exception) -> None:
    """Log an error a page reported about itself, as one escaped line of bounded length.

    Args:
        exception: The page's report (its text comes from the browser).
    """
    logger.warning("a page reported a failure of its own: %.500r", str(exception))
