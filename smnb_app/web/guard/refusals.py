"""The socket guard's refusal log: a line per connection and kind at most once a minute.

One throttle for all the guard's modules, so a flood of refusals of any kind stays a few lines.
The lines never carry a token or a frame.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from smnb_app.system.throttle import Throttle

_REFUSALS = Throttle(interval_s=60.0, max_per_interval=120)


def log_refusal(logger: logging.Logger, key: str, kind: str, line: str, *args: Any) -> None:
    """Log a refusal as a warning, unless this key and kind were logged within the minute.

    Args:
        logger: The logger of the module that refused.
        key: The connection (or address) refused.
        kind: What was refused.
        line: The log line, a `%` format.
        *args: The line's arguments.
    """
    if _REFUSALS.allow(f"{key}|{kind}", time.monotonic()):
        logger.warning(line, *args)
