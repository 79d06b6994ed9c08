"""The app's own log lines, and what no log line of the process may hold.

Every record of the process (Reflex's, engine.io's, granian's and the app's) passes
`redact` when it is made: tab tokens (a tab's bearer credential for its state), session
tokens, `token=` query values, passwords in URLs, Clerk and Svix secrets and email addresses
are replaced by a placeholder. A record's traceback is rendered and redacted into its message.
"""

from __future__ import annotations

import logging
import re
import sys
import traceback
from typing import Any

FORMAT = "[%(levelname)s] %(name)s: %(message)s"

_SECRETS = [
    (re.compile(r"eyJ[\w-]{2,}\.[\w-]{2,}\.[\w-]*"), "<jwt>"),
    (re.compile(r"(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<tab>"),
    (re.compile(r"(?i)(\btoken=)[^&\s'\"]+"), r"\1<redacted>"),
    (re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/\s:@]*):[^@\s/]+@", re.I), r"\1:***@"),
    (re.compile(r"\b(?:sk|pk)_(?:live|test)_[\w$]+|\bwhsec_[\w+/=]+"), "<secret>"),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b"), "<email>"),
]
_base_factory = logging.getLogRecordFactory()


def redact(text: str) -> str:
    """Replace what may never be logged by placeholders.

    Args:
        text: A log message.

    Returns:
        The message without tokens, passwords, secrets or email addresses.
    """
    for pattern, placeholder in _SECRETS:
        text = pattern.sub(placeholder, text)
    return text


def _redacted_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
    record = _base_factory(*args, **kwargs)
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a record whose arguments do not fit its format is logged as given
        message = f"{record.msg!s} {record.args!s}"
    if record.exc_info and record.exc_info[0] is not None:
        message += "\n" + "".join(traceback.format_exception(*record.exc_info)).rstrip()
        record.exc_info, record.exc_text = None, None
    record.msg, record.args = redact(message), ()
    return record


def install_redaction() -> None:
    """Redact every log record this process makes from now on (idempotent)."""
    if logging.getLogRecordFactory() is not _redacted_record:
        logging.setLogRecordFactory(_redacted_record)


def configure_logging(level: int = logging.INFO) -> None:
    """Send the `smnb_app` loggers to stderr as `[LEVEL] module: message`, once per process.

    Reflex prints records without their level; the app's warnings and errors must be told apart.
    Redaction is switched on too.

    Args:
        level: The lowest level written.
    """
    install_redaction()
    logger = logging.getLogger("smnb_app")
    if any(getattr(handler, "smnb_app", False) for handler in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.smnb_app = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
