"""The registry of a user's tabs, kept in Reflex's state manager (memory, disk or Redis).

A verified tab registers its client token in a registry stored under the user's link token
(`SessionsTabs`); after a change, the news is delivered to every other registered tab in
parallel (see `delivery`), and each delivery re-checks on the receiving tab that it is still
signed in as that user before it touches anything. A tab that signed out, expired or switched
user therefore receives nothing and is dropped from the registry; tabs that stopped refreshing
their token (closed) age out. No process keeps a map of users to tabs.

The link token names the user AND carries an HMAC under a server secret: Reflex lets a browser
pick any client token and keeps state under it, so a guessable token ("user42") would let a
browser load a user's registry as its own state; and deployments sharing one Redis would mix
users that merely have the same id.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from functools import partial

import reflex as rx
from reflex.istate.manager import get_state_manager

from smnb_app.config.settings import get_settings
from smnb_app.db import epoch_ms
from smnb_app.web.shared.detached import run_detached
from smnb_app.web.shared.runtime import get_link_secret

logger = logging.getLogger(__name__)

# Tabs re-register on every token refresh (at 5/6 of a token's life: about once a minute for
# Clerk's); silence this long, or two token lives when they are longer, means gone.
STALE_AFTER_MS = 5 * 60 * 1000


class SessionsTabs(rx.State):
    """The registry of one user's tabs: client token -> last registration (epoch ms).

    Only the instance stored under a user's link token is used; a tab's own copy stays empty.
    """

    _tabs: dict[str, int] = {}


def link_token(user_id: int) -> str:
    """The state-manager token of a user's tab registry: unguessable without the server secret.

    Args:
        user_id: The verified user's id.

    Returns:
        "user<id>k<hmac hex>", without underscores (Reflex splits state keys on them).
    """
    digest = hmac.new(get_link_secret(), f"user:{user_id}".encode(), hashlib.sha256).hexdigest()
    return f"user{user_id}k{digest[:40]}"


async def _edit_tabs(token: str, change: Callable[[dict[str, int]], object]) -> dict[str, int]:
    """Apply `change` to a user's registry under its lock; return the registry after it."""
    async with get_state_manager().modify_state(rx.BaseStateToken(ident=token, cls=SessionsTabs)) as root:
        registry = await root.get_state(SessionsTabs)
        tabs = dict(registry._tabs)
        change(tabs)
        if tabs != registry._tabs:
            registry._tabs = tabs
        return tabs


async def enroll(*, client: str, token: str, previous: str) -> None:
    """Register a tab in its user's registry (and leave the one of the user it switched from).

    Args:
        client: The tab's client token.
        token: The link token of the tab's user.
        previous: The link token the tab was linked to before ("" if none).
    """
    if previous and previous != token:
        await _edit_tabs(previous, lambda tabs: tabs.pop(client, None))
    await _edit_tabs(
        token, partial(register_tab, client=client, now_ms=epoch_ms(), limit=get_settings().max_tabs_per_user)
    )


def register_tab(tabs: dict[str, int], *, client: str, now_ms: int, limit: int) -> None:
    """Register (or renew) a tab in a user's registry, keeping at most `limit` tabs.

    A browser picks its own client token, so one user could register tabs without end and make
    every change fan out to all of them; beyond the limit the longest-silent tabs are dropped
    (a dropped tab that is still open registers again with its next token).

    Args:
        tabs: The registry, changed in place: client token -> last registration (epoch ms).
        client: The registering tab's client token.
        now_ms: The current time in epoch ms.
        limit: `SMNB_MAX_TABS_PER_USER`.
    """
    tabs[client] = now_ms
    excess = len(tabs) - limit
    if excess > 0:
        for stale in sorted(tabs, key=tabs.__getitem__)[:excess]:
            if stale != client:
                del tabs[stale]


def broadcast(token: str, sender: str, deliver: Callable[[str], Awaitable[bool]], *, user_id: int) -> None:
    """Deliver a change to every other tab in a user's registry, in the background.

    Args:
        token: The user's link token.
        sender: The client token of the acting tab (it already shows the change).
        deliver: Applies the change to one tab; False when that tab is no longer the user's.
        user_id: The user, for the log.
    """
    run_detached(_broadcast(token, sender, deliver, user_id=user_id))


async def reach_tabs(user_id: int, deliver: Callable[[str], Awaitable[bool]], *, sender: str = "") -> None:
    """Deliver news to every tab in a user's registry but `sender`, and wait until all have it.

    Args:
        user_id: The user (their registry is found by their link token).
        deliver: Applies the news to one tab; False when that tab is no longer the user's.
        sender: The client token of a tab to leave out (the acting one, whose state is locked).
    """
    await _broadcast(link_token(user_id), sender, deliver, user_id=user_id)


def stale_after_ms() -> int:
    """How long a registered tab may stay silent before it counts as closed.

    Returns:
        `STALE_AFTER_MS`, or two lifetimes of the provider's tokens when those are longer.
    """
    return max(STALE_AFTER_MS, 2 * get_settings().token_lifetime_s * 1000)


async def _read_tabs(token: str) -> dict[str, int]:
    """A user's registry as stored now, read without its lock (the deliveries don't change it)."""
    root = await get_state_manager().get_state(rx.BaseStateToken(ident=token, cls=SessionsTabs))
    return dict((await root.get_state(SessionsTabs))._tabs)


async def _broadcast(token: str, sender: str, deliver: Callable[[str], Awaitable[bool]], *, user_id: int) -> None:
    oldest = epoch_ms() - stale_after_ms()
    registered = await _read_tabs(token)
    silent = {client for client, seen in registered.items() if seen < oldest}
    targets = [client for client in registered if client != sender and client not in silent]
    results = await asyncio.gather(*(deliver(client) for client in targets), return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            logger.error("could not update a tab", exc_info=result)
    gone = silent | {client for client, result in zip(targets, results, strict=True) if result is not True}
    if targets:
        # One line per change: which instance sent it, and to how many tabs (on any instance).
        logger.info(
            "live sync: news of user %d reached %d of %d tabs", user_id, len(targets) - len(gone - silent), len(targets)
        )

    def forget(tabs: dict[str, int]) -> None:
        for client in gone:
            # A tab that registered again meanwhile (signed in anew) stays.
            if tabs.get(client) == registered[client]:
                del tabs[client]

    if gone:
        await _edit_tabs(token, forget)
