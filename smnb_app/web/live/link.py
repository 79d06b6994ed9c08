"""Live sync's per-tab side: the tab's link to its user, and catching up when it may be behind.

Changes reach a user's other tabs through their registry (see `registry`); this module keeps
each tab's side of it: which registry the tab is in, the counts and version it shows, and the
per-tab states that must be reset when the tab's user changes.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Protocol, TypeVar, runtime_checkable

import reflex as rx
from reflex.state import BaseState

from smnb_app.services.sessions import SessionsTally, StatusCounts, tally_sessions
from smnb_app.web.live.registry import enroll, link_token
from smnb_app.web.shared.failures import report_failure
from smnb_app.web.shared.runtime import run_db

# The keys of `SessionsLink.counts`, in display order: those of the service's counts.
COUNT_KEYS: tuple[str, ...] = tuple(field.name for field in dataclasses.fields(StatusCounts))
EMPTY_COUNTS: dict[str, int] = dict.fromkeys(COUNT_KEYS, 0)
# Per-tab states that hold one user's data; they are reset whenever the tab's user changes.
_TAB_STATES: list[type[BaseState]] = []
# Those of them that show the user's sessions (loading the others would cost a state-manager read).
_FOLLOWERS: list[type[BaseState]] = []


class SessionsLink(rx.State):
    """A tab's link to its user: the registry it is in, and the user's session counts.

    `_version` is the version of the user's sessions that the tab shows (see `SessionsTally`);
    `_tally_ns` is when that tally was read, so an older one arriving late is ignored.
    """

    counts: dict[str, int] = dict(EMPTY_COUNTS)
    _token: str = ""
    _version: tuple[int, int] = (0, 0)
    _tally_ns: int = 0

    def _take_tally(self, tally: SessionsTally, read_ns: int) -> None:
        """Show the counts of a tally unless the tab already shows a newer one.

        Args:
            tally: The user's counts and version.
            read_ns: When it was read (epoch ns).
        """
        if read_ns < self._tally_ns:
            return
        self._tally_ns, self._version = read_ns, tally.version
        if self.counts != (counts := tally.counts.to_dict()):
            self.counts = counts


@runtime_checkable
class SessionsFollower(Protocol):
    """A user-scoped state that shows the user's sessions and reloads when the tab is behind."""

    async def _follow_up(self, user_id: int, *, behind_as_of_ns: int) -> None:
        """Re-read what the state shows, unless it was read after `behind_as_of_ns`."""


_ScopedState = TypeVar("_ScopedState", bound=BaseState)


def user_scoped(cls: type[_ScopedState]) -> type[_ScopedState]:
    """Register a per-tab state to be reset when the tab's user changes (class decorator).

    Args:
        cls: The state class.

    Returns:
        The same class.
    """
    _TAB_STATES.append(cls)
    if issubclass(cls, SessionsFollower):
        _FOLLOWERS.append(cls)
    return cls


async def link_user(state: BaseState, user_id: int, *, fresh: bool) -> None:
    """Register the tab for its verified user; on a fresh sign-in (or a switch of user) reset its views.

    Called by `AuthState` for every verified token: a refresh renews the registration.

    Args:
        state: Any state of the tab, inside an event.
        user_id: The verified user's id (from `AuthState`, never from the browser).
        fresh: Whether the tab was signed out before this token.
    """
    link = await state.get_state(SessionsLink)
    token, previous = link_token(user_id), link._token
    if fresh or previous != token:
        link._token = token
        for cls in _TAB_STATES:
            (await state.get_state(cls)).reset()
    await enroll(client=state.router.session.client_token, token=token, previous=previous)


async def catch_up(state: BaseState, user_id: int) -> None:
    """Compare what the tab shows with the database (one indexed query); reload what is behind.

    Live sync has no acknowledgement: a delivery lost on the way (a worker killed, a message
    dropped) would leave the tab stale. Every token (sent on refresh, focus and every new
    websocket connection) therefore brings the tab back to the truth.

    Args:
        state: Any state of the tab, inside an event.
        user_id: The tab's verified user.
    """
    try:
        tally, read_ns = await run_db(
            lambda db: (tally_sessions(db=db, user_id=user_id), time.time_ns()), read_only=True
        )
    except Exception as exc:
        # Signing in must not fail for the counts; the next token or change brings them.
        report_failure("could not count the user's sessions", exc)
        return
    link = await state.get_state(SessionsLink)
    if tally.version == link._version and link._tally_ns:
        return
    link._take_tally(tally, read_ns)
    for cls in _FOLLOWERS:
        follower = await state.get_state(cls)
        if isinstance(follower, SessionsFollower):  # always: `user_scoped` listed it as one
            await follower._follow_up(user_id, behind_as_of_ns=read_ns)
