"""Unexpected failures: of an event handler (logged, a plain notice in the tab) or of a page.

Reflex's default backend handler shows a toast through code the server sends to the browser,
which the Content-Security-Policy (no eval) rightly blocks; this one changes a state var
instead. Its default frontend handler logs whatever text a page reports, at error level and
verbatim, so any browser could write lines into the server log; here it is one escaped,
bounded warning line.
"""

from __future__ import annotations

import logging

import reflex as rx
from reflex.event import EventSpec

logger = logging.getLogger(__name__)

UNEXPECTED = "Something went wrong. Try again, or reload the page."


class FailureState(rx.State):
    """Whether the tab's last action failed unexpectedly."""

    failed: bool = False

    @rx.event
    def show_failure(self):
        """Show the notice (chained by the server's exception handler, never by the browser)."""
        self.failed = True

    @rx.event
    def dismiss_failure(self):
        """Hide the notice."""
        self.failed = False


def backend_exception_handler(exception: Exception) -> EventSpec | None:
    """Log an exception an event handler raised, and tell its tab that something went wrong.

    Args:
        exception: What the handler raised.

    Returns:
        The event that shows the notice.
    """
    logger.error("an event handler failed", exc_info=exception)
    return FailureState.show_failure()


def frontend_exception_handler(exception: Exception) -> None:
    """Log an error a page reported about itself, as one escaped line of bounded length.

    Args:
        exception: The page's report (its text comes from the browser).
    """
    logger.warning("a page reported a failure of its own: %.500r", str(exception))
