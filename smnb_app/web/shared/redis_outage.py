"""Redis gone for a while: tabs are told at once, nothing is half-done, and the app heals by itself.

In the production shape each tab's state, its lock and the delivery of changes between
instances live in Redis. Reflex 0.10.1 alone, when Redis stops answering:

- an event fails to take its state lock, and the backend exception handler's notice is a
  chained event, which needs the lock again: it fails too, and so on, a busy loop logging a
  traceback per turn, while the tab hears nothing;
- its pub/sub listeners (deltas for tabs on this instance, socket records, lock releases) retry
  five times a second apart, then stop for good, one log line per try;
- a tab that misses a token refresh or its hydration meanwhile waits forever.

Here an event refused for want of Redis is answered straight over the tab's socket (a delta that
needs no state); Reflex's own reports of the outage become one warning when it starts; and once
Redis answers again, one line says so, the listeners that gave up start again and every tab that
was refused reloads its page, which hydrates it from Redis, sends its session token again and
re-registers its socket.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
import traceback
from collections.abc import Awaitable, Mapping
from typing import Any, cast

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from reflex.istate.manager.redis import StateManagerRedis
from reflex.utils.token_manager import RedisTokenManager
from reflex_base.constants.event import SocketEvent
from reflex_base.event.context import EventContext
from reflex_base.event.processor.base_state_processor import process_event
from reflex_base.registry import RegistrationContext
from reflex_base.utils.exceptions import ReflexRuntimeError

from smnb_app.web.shared.detached import run_detached

logger = logging.getLogger(__name__)

Delta = Mapping[str, Mapping[str, Any]]

PING_EVERY_S = 0.5
PING_TIMEOUT_S = 2.0
_OUTAGES = (RedisConnectionError, RedisTimeoutError)
# Where a failed event was when Redis failed it: taking its tab's lock, or inside its handler.
_TAKING_LOCK = StateManagerRedis._wait_lock.__code__
_IN_HANDLER = process_event.__code__
# Reflex's loggers that report each failed Redis call of an outage (asyncio: the listeners that
# gave up, when their tasks are dropped).
REFLEX_LOGGERS = (
    "asyncio",
    "reflex.app",
    "reflex.utils.prerequisites",
    "reflex.utils.tasks",
    "reflex.utils.token_manager",
    "reflex_base.event.processor.base_state_processor",
    "reflex_base.event.processor.event_processor",
)
# redis-py's words for a connection that failed, and the marks of a Redis call in Reflex's lines.
_CONNECTION_TROUBLE = re.compile(
    r"Error (?:\d+ )?(?:connecting to|while (?:reading from|writing to))|Connection closed by server"
    r"|Timeout (?:connecting to|reading from|writing to)|Connection (?:refused|reset by peer)"
)
_FROM_REDIS = re.compile(r"redis|_subscribe_\w+_updates", re.I)


def is_redis_outage(error: BaseException) -> bool:
    """Whether an exception means Redis did not answer (refused, dropped or timed out).

    Args:
        error: What an event or a Redis call raised.

    Returns:
        True for redis-py's connection and timeout errors.
    """
    return isinstance(error, _OUTAGES)


def refused_before_handler(error: BaseException) -> bool:
    """Whether Redis failed an event while it took its tab's lock, before its handler could run.

    Only then is "nothing was changed" certain: a failure inside the handler, or while its state
    was saved afterwards, may follow a write to the database.

    Args:
        error: An outage (`is_redis_outage`) raised by an event.

    Returns:
        True when the failure happened taking the lock, outside any handler.
    """
    codes = {frame.f_code for frame, _ in traceback.walk_tb(error.__traceback__)}
    return _TAKING_LOCK in codes and _IN_HANDLER not in codes


class OutageWatch:
    """One process's view of a Redis outage: when it began, and which tabs it refused meanwhile."""

    def __init__(self) -> None:
        """Start with Redis presumed up."""
        self.began: float | None = None
        self.refused: set[str] = set()
        self._watcher: asyncio.Task | None = None

    def note(self, source: str) -> None:
        """Record that Redis did not answer; the first note of an outage logs it and starts the watcher.

        Args:
            source: What found out, for the log line.
        """
        if self.began is None:
            self.began = time.monotonic()
            logger.warning(
                "Redis does not answer (%s): events that need it are refused, and their tabs told so, until it does",
                source,
            )
        if self._watcher is not None and not self._watcher.done():
            return
        try:
            loop, app = asyncio.get_running_loop(), RegistrationContext.get().app
        except (RuntimeError, LookupError, ReflexRuntimeError):
            # Outside the app's event loop (a thread): the next note from the loop starts it.
            return
        self._watcher = loop.create_task(self._heal_when_back(app), name="smnb_redis_outage_watch")

    def refuse(self, notice: Delta, source: str) -> None:
        """Tell the tab of the failed event, over its socket, and reload it once Redis answers again.

        Called from the backend exception handler, in the failed event's context.

        Args:
            notice: The delta that shows the tab its notice (it needs no state: it is sent as is).
            source: The failed call, for the log line.
        """
        self.note(source)
        context = EventContext.get()
        if not context.token:
            return
        self.refused.add(context.token)
        run_detached(context.emit_delta(notice))

    async def _heal_when_back(self, app: Any) -> None:
        state_manager = app.state_manager
        if not isinstance(state_manager, StateManagerRedis):
            return
        # Refusals noted while the last round healed (their calls began before) get a round too.
        while (began := self.began) is not None:
            await _until_answers(state_manager)
            self.began, tabs, self.refused = None, self.refused, set()
            _restart_listeners(app, state_manager)
            reloaded = await _reload(app, tabs)
            logger.warning(
                "Redis answers again after %.1f s; %d refused tabs reloaded", time.monotonic() - began, reloaded
            )


async def _until_answers(state_manager: StateManagerRedis) -> None:
    while True:
        await asyncio.sleep(PING_EVERY_S)
        with contextlib.suppress(*_OUTAGES, OSError, TimeoutError):
            # redis-py types ping() for its sync and asyncio clients alike; the asyncio one's is awaitable.
            pong = cast(Awaitable[bool], state_manager.redis.ping())
            await asyncio.wait_for(pong, PING_TIMEOUT_S)
            return


def _restart_listeners(app: Any, state_manager: StateManagerRedis) -> None:
    """Start again the pub/sub listeners that gave up during the outage (running ones are left alone)."""
    namespace = app.event_namespace
    token_manager = namespace._token_manager
    listeners: list[tuple[object, str]] = [(state_manager, "_lock_task")]
    if isinstance(token_manager, RedisTokenManager):
        listeners += [(token_manager, "_lost_and_found_task"), (token_manager, "_socket_record_task")]
    for owner, attribute in listeners:
        task = getattr(owner, attribute)
        if task is not None and task.done() and not task.cancelled():
            # Read, so that asyncio does not report it again when the task is replaced.
            task.exception()
    if isinstance(token_manager, RedisTokenManager):
        token_manager.ensure_lost_and_found_task(namespace.emit_update)
        token_manager._ensure_socket_record_task()
    state_manager._ensure_lock_task()


async def _reload(app: Any, tabs: set[str]) -> int:
    """Reload the pages of the tabs refused here, so that each starts afresh, signed in.

    A refused tab may have missed its hydration or a token refresh (the token is not sent again
    before the next refresh), and may show a notice its server state does not hold. Reflex's
    own "this page is out of date" message reloads it; a cooldown of 0 skips its guard against
    reload loops, as this is sent once per outage.

    Args:
        app: The app.
        tabs: Client tokens of the refused tabs (those whose sockets are elsewhere are skipped).

    Returns:
        How many were reloaded.
    """
    namespace, server = app.event_namespace, app.sio
    count = 0
    for token in tabs:
        sid = namespace.token_to_sid.get(token)
        if sid and server.manager.is_connected(sid, namespace.namespace):
            await namespace.emit(str(SocketEvent.STATE_MISMATCH), {"backend": "", "reload_cooldown_ms": 0}, to=sid)
            count += 1
    return count


class _OutageReports(logging.Filter):
    """Turns Reflex's report of each failed Redis call into a note of the outage (logged once)."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is not None:
            outage = is_redis_outage(error)
        else:
            text = record.getMessage()
            outage = bool(_CONNECTION_TROUBLE.search(text) and _FROM_REDIS.search(text))
        if outage:
            WATCH.note(f"reported by {record.name}")
        return not outage


WATCH = OutageWatch()
_FILTER = _OutageReports()


def note_outage(source: str) -> None:
    """Record, for this process, that Redis did not answer (see `OutageWatch.note`).

    Args:
        source: What found out, for the log line.
    """
    WATCH.note(source)


def refuse_for_outage(notice: Delta, source: str) -> None:
    """Answer the current event, which Redis failed, with `notice` (see `OutageWatch.refuse`).

    Args:
        notice: The delta that shows the tab its notice.
        source: The failed call, for the log line.
    """
    WATCH.refuse(notice, source)


def watch_reflex_outage_reports() -> None:
    """Let the watch take over Reflex's per-call reports of a Redis outage (idempotent)."""
    for name in REFLEX_LOGGERS:
        logging.getLogger(name).addFilter(_FILTER)
