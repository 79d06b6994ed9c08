"""The red callout that says why the server refused something, shown only while there is a reason."""

from __future__ import annotations

import reflex as rx


def error_callout(message: rx.Var[str] | str, *, testid: str) -> rx.Component:
    """An alert with `message`, rendered only when it is not empty.

    Args:
        message: The reason, "" for none: a state field (a plain `str` to the type checker).
        testid: The callout's data-testid.

    Returns:
        The conditional callout.
    """
    reason = rx.Var.create(message)
    return rx.cond(
        reason != "",
        rx.callout(reason, icon="triangle_alert", color_scheme="red", role="alert", data_testid=testid),
    )
