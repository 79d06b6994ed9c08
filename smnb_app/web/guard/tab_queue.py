"""Room in a tab's event queue: a tab with its fill of events waiting is not read until one finishes."""

from __future__ import annotations

import asyncio
import logging
import time

import reflex as rx

from smnb_app.web.guard.refusals import log_refusal

logger = logging.getLogger(__name__)

QUEUE_WAIT_S = 10.0
QUEUE_POLL_S = 0.02


def queued_events(app: rx.App, token: str) -> int:
    """How many events of a tab wait in Reflex's queue, the one running included.

    Args:
        app: The app.
        token: The tab.

    Returns:
        The length of the tab's queue.
    """
    # Reflex runs a tab's events one after another from this queue (reflex_base's
    # EventProcessor._enqueue_for_token); it has no public length.
    processor = getattr(app, "_event_processor", None)
    queues = getattr(processor, "_token_queues", None) or {}
    return len(queues.get(token, ()))


async def wait_for_room(app: rx.App, sid: str, token: str, *, limit: int) -> bool:
    """Wait while the tab has `limit` events queued; cut its connection off if that lasts `QUEUE_WAIT_S`.

    Args:
        app: The app.
        sid: The Socket.IO session.
        token: The tab.
        limit: How many events the tab may have queued.

    Returns:
        True once there is room, False when the connection was cut off.
    """
    deadline = time.monotonic() + QUEUE_WAIT_S
    while queued_events(app, token) >= limit:
        if time.monotonic() > deadline:
            log_refusal(
                logger, sid, "queue", "closed a websocket connection: %d events waited over %g s", limit, QUEUE_WAIT_S
            )
            if app.event_namespace is not None:
                await app.event_namespace.disconnect(sid)
            return False
        await asyncio.sleep(QUEUE_POLL_S)
    return True
