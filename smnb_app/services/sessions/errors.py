"""Errors raised by the session service; their messages are safe to show to the user."""

from __future__ import annotations

NOT_FOUND_MESSAGE = "Session not found"


class SessionError(Exception):
    """Base of every error the session service raises on purpose."""


class SessionNotFound(SessionError):
    """The session does not exist or belongs to someone else (deliberately indistinguishable)."""

    def __init__(self) -> None:
        super().__init__(NOT_FOUND_MESSAGE)


class SessionValidationError(SessionError, ValueError):
    """An input is malformed or out of range; nothing was changed."""


class SessionRuleError(SessionError):
    """The input is well-formed but a rule forbids the change; nothing was changed."""
