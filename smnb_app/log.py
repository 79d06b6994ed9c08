"""The app's own log lines: level and source on every line, so operators (and tests) can filter them."""

from __future__ import annotations

import logging
import sys

FORMAT = "[%(levelname)s] %(name)s: %(message)s"


def configure_logging(level: int = logging.INFO) -> None:
    """Send the `smnb_app` loggers to stderr as `[LEVEL] module: message`, once per process.

    Reflex prints records without their level; the app's warnings and errors must be told apart.

    Args:
        level: The lowest level written.
    """
    logger = logging.getLogger("smnb_app")
    if any(getattr(handler, "smnb_app", False) for handler in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.smnb_app = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
