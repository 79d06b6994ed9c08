"""Fire-and-forget tasks that are not garbage-collected while they run.

asyncio keeps only a weak reference to a task: one nobody holds may vanish mid-way. Every
background write, broadcast and notice of the state layer goes through `run_detached`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

_RUNNING: set[asyncio.Task] = set()


def run_detached(coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task:
    """Run a coroutine in the background on the running loop, held until it ends.

    Args:
        coroutine: The work; its failures are its own to log.

    Returns:
        The task.
    """
    task = asyncio.get_running_loop().create_task(coroutine)
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)
    return task
