"""Garbage-collection pauses: a collection stops every tab a worker serves, so long ones are logged."""

from __future__ import annotations

import gc
import logging
import time
from typing import Any

logger = logging.getLogger(__name__)


class PauseWatch:
    """A `gc.callbacks` entry that times each collection and logs those of `threshold_ms` or more."""

    def __init__(self, threshold_ms: float) -> None:
        self.threshold_ms = threshold_ms
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        """Note when a collection starts; when it stops, log it if it took `threshold_ms` or more.

        Args:
            phase: "start" or "stop", as `gc.callbacks` are called.
            info: The collection's details (`generation`, `collected`, ...).
        """
        if phase == "start":
            self._started = time.perf_counter()
            return
        paused_ms = (time.perf_counter() - self._started) * 1000
        if paused_ms >= self.threshold_ms:
            logger.warning(
                "garbage collection of generation %d paused this worker for %.1f ms (%d objects freed)",
                info.get("generation", -1),
                paused_ms,
                info.get("collected", 0),
            )


def watch_gc_pauses(*, threshold_ms: float) -> None:
    """Log every garbage collection that holds this process `threshold_ms` or longer, once per process.

    Args:
        threshold_ms: The shortest pause logged (`SMNB_GC_LOG_MS`).
    """
    if not any(isinstance(callback, PauseWatch) for callback in gc.callbacks):
        gc.callbacks.append(PauseWatch(threshold_ms))


async def freeze_start_up_heap() -> None:
    """Hide what start-up left alive (modules, compiled pages, caches) from the collector (a lifespan task).

    Those objects live as long as the process; without this every full collection walks them
    again, so its pause grows with the code loaded rather than with the tabs served.
    """
    gc.collect()
    gc.freeze()
