"""Client-side formatting of values the state sends as numbers."""

from __future__ import annotations

import reflex as rx
from reflex.vars.function import FunctionStringVar

_LOCALE_DATETIME = FunctionStringVar.create(
    "((ms) => ms ? new Date(ms).toLocaleString(undefined, {dateStyle: 'medium', timeStyle: 'short'}) : '')"
)


def format_epoch_ms(value: rx.Var) -> rx.Var:
    """Render epoch milliseconds as a date and time in the browser's locale and time zone.

    Args:
        value: A Var holding epoch milliseconds.

    Returns:
        A string Var.
    """
    return _LOCALE_DATETIME.call(value).to(str)
