"""Pushing news to a user's tabs: every push to the tabs of a user goes through here.

The registry (`registry`) knows which tabs a user has open; a push changes one state of each of
them through the state manager (`app.modify_state`, under the tab's lock; with Redis the delta
reaches a socket held by another worker through Reflex's pub/sub). The change itself first
re-checks, on the receiving tab, that the tab is still signed in as that user, and says whether
it still is: a tab that is not is left unchanged and dropped from the registry.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import TypeVar

import reflex as rx
from reflex.state import BaseState
from reflex_base.registry import RegistrationContext

from smnb_app.web.live.registry import broadcast, link_token, reach_tabs

S = TypeVar("S", bound=BaseState)
# Re-checks on one tab that it is still the user's, then changes its state; False when it is not.
Change = Callable[[S], Awaitable[bool]]


async def deliver(client: str, *, cls: type[S], change: Change[S]) -> bool:
    """Apply a change to one state of one tab, under the tab's lock, wherever its socket is.

    Args:
        client: The tab's client token, from its user's registry.
        cls: The state the change is made to.
        change: The change (see `Change`).

    Returns:
        What the change says: whether the tab is still the user's.
    """
    app = RegistrationContext.get().app
    async with app.modify_state(rx.BaseStateToken(ident=client, cls=cls)) as root:
        return await change(await root.get_state(cls))


async def push_to_tabs(user_id: int, cls: type[S], change: Change[S], *, sender: str = "") -> None:
    """Push a change to every tab of a user but `sender`, and wait until all have it.

    Args:
        user_id: The verified user.
        cls: The state the change is made to.
        change: The change (see `Change`).
        sender: A tab to leave out (the acting one, whose state is locked).
    """
    await reach_tabs(user_id, partial(deliver, cls=cls, change=change), sender=sender)


def push_to_other_tabs(user_id: int, cls: type[S], change: Change[S], *, sender: str) -> None:
    """Push a change to every tab of a user but `sender`, in the background.

    Args:
        user_id: The verified user.
        cls: The state the change is made to.
        change: The change (see `Change`).
        sender: The acting tab, which already shows the change.
    """
    broadcast(link_token(user_id), sender, partial(deliver, cls=cls, change=change), user_id=user_id)
