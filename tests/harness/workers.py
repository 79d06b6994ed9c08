"""Which worker holds a tab's websocket: Reflex records it in Redis when several workers share it."""

from __future__ import annotations

import os
import pickle
from typing import cast

import redis
from playwright.sync_api import Page

# Reflex's RedisTokenManager keeps a pickled SocketRecord(instance_id, sid) per client token here.
SOCKET_RECORD_KEY = "token_manager_socket_record_{token}"


def client_token(page: Page) -> str:
    """The tab's Reflex client token (kept in its sessionStorage)."""
    return page.evaluate("() => window.sessionStorage.getItem('token')")


def socket_instances(pages: list[Page]) -> set[str]:
    """The worker instances holding these tabs' sockets, as Reflex recorded them in Redis.

    Args:
        pages: Open tabs of the app.

    Returns:
        The distinct instance ids (empty when Redis holds no record).
    """
    client = redis.Redis.from_url(os.environ["REFLEX_REDIS_URL"])
    try:
        # redis-py types the replies of its sync client as those of its async one (awaitable or not).
        records = [cast(bytes | None, client.get(SOCKET_RECORD_KEY.format(token=client_token(page)))) for page in pages]
    finally:
        client.close()
    return {pickle.loads(record).instance_id for record in records if record}
