"""The list half of the sessions page state: what one tab shows, and keeping it true.

Everything here is per tab (filter, loaded pages, cursor). A change of the user's sessions,
made in this tab or another, arrives as a patch (the changed rows and the counts) that the tab
applies to its own filter and pages in memory; when the tab may have missed one (`sync.catch_up`),
it re-reads its pages from the database.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial

import reflex as rx
from sqlmodel import Session

from smnb_app.services.sessions import SessionError
from smnb_app.services.sessions.views import decode_cursor
from smnb_app.web.live.link import SessionsLink
from smnb_app.web.sessions.patches import SessionsPatch, patched_rows
from smnb_app.web.sessions.rows import (
    STATUS_FILTERS,
    Listing,
    SessionRow,
    load_listing,
    load_page,
    status_for_filter,
)
from smnb_app.web.shared.failures import report_failure
from smnb_app.web.shared.runtime import run_db
from smnb_app.web.signin.state import AuthState

_LOAD_FAILED = "Your sessions could not be loaded. Reload the page to try again."


class SessionsListing(rx.State, mixin=True):
    """The tab's view of the user's sessions: filter, loaded rows, "load more"."""

    status_filter: str = "all"
    sessions: rx.Field[list[SessionRow]] = rx.field(default_factory=list)
    has_more: bool = False
    loaded: bool = False
    loading: bool = False
    error: str = ""

    _pages: int = 1
    _cursor: str | None = None
    _loaded_for: int = 0
    _seen: dict[int, int] = {}
    _read_ns: int = 0

    async def _acting_user(self) -> int | None:
        return (await self.get_state(AuthState))._verified_user_id()

    def _show(self, listing: Listing, user_id: int) -> None:
        self.sessions = list(listing.rows)
        self._cursor = listing.next_cursor
        self.has_more = listing.next_cursor is not None
        self.loaded = True
        self._loaded_for = user_id

    def _listing_reader(self, user_id: int) -> Callable[[Session], Listing]:
        """What this tab shows (its filter, as many pages as it loaded), read with a given db."""
        status = status_for_filter(self.status_filter)
        return partial(load_listing, user_id=user_id, status=status, pages=self._pages)

    async def _reload(self, user_id: int) -> None:
        started_ns = time.time_ns()
        try:
            listing = await run_db(self._listing_reader(user_id), read_only=True)
        except Exception as exc:
            # The tab keeps what it shows; the next token, change or click tries again.
            self.error = report_failure("could not read a tab's sessions", exc, _LOAD_FAILED)
            return
        self._show(listing, user_id)
        self._read_ns = started_ns

    @rx.event
    async def ensure_loaded(self):
        """Load the list unless this tab already shows it for its verified user.

        Sent when the page's protected content mounts, which on a fresh tab only happens
        once the tab's token has been verified (after on_load has run).
        """
        user_id = await self._acting_user()
        if user_id is not None and not (self.loaded and user_id == self._loaded_for):
            await self._reload(user_id)

    async def _take_patch(self, patch: SessionsPatch) -> bool:
        """Apply a change of the user's sessions, made in any tab, to this tab (see `broadcast`).

        Args:
            patch: The change, with the counts after it.

        Returns:
            False, changing nothing, when this tab is no longer signed in as the patch's user.
        """
        link = await self.get_state(SessionsLink)
        if await self._acting_user() != patch.user_id or link._token != patch.token:
            return False
        link._take_tally(patch.tally, patch.read_ns)
        if self.loaded and self._loaded_for == patch.user_id:
            self._apply(patch)
        return True

    def _apply(self, patch: SessionsPatch) -> None:
        seen = dict(self._seen)
        boundary = decode_cursor(self._cursor) if self._cursor is not None else None
        status = status_for_filter(self.status_filter)
        rows = patched_rows(self.sessions, patch, status=status, boundary=boundary, seen=seen)
        self._seen = seen
        if rows is not None:
            self.sessions = rows

    async def _follow_up(self, user_id: int, *, behind_as_of_ns: int) -> None:
        """Re-read the loaded pages: the tab was behind the database (see `sync.catch_up`).

        Args:
            user_id: The tab's verified user.
            behind_as_of_ns: When the tab was found behind; pages read since are up to date.
        """
        if self.loaded and self._loaded_for == user_id and self._read_ns < behind_as_of_ns:
            await self._reload(user_id)

    @rx.event
    async def set_filter(self, status_filter: str | list[str]):
        """Show only sessions in one status ("all" for every status), from the first page.

        Args:
            status_filter: One of all, active, paused, archived (the control's type allows a
                list, which is refused).
        """
        if not isinstance(status_filter, str) or status_filter not in STATUS_FILTERS:
            self.error = f"Unknown filter: choose one of {', '.join(STATUS_FILTERS)}"
            return
        user_id = await self._acting_user()
        if user_id is None:
            return
        self.status_filter = status_filter
        self._pages = 1
        self.loading = True
        yield
        try:
            await self._reload(user_id)
        finally:
            self.loading = False

    @rx.event
    async def load_more(self):
        """Append the next page of sessions."""
        user_id = await self._acting_user()
        if user_id is None or not self.has_more or self._cursor is None:
            return
        status, cursor = status_for_filter(self.status_filter), self._cursor
        self.loading = True
        yield
        try:
            page = await run_db(lambda db: load_page(db, user_id=user_id, status=status, cursor=cursor), read_only=True)
        except SessionError as exc:
            self.error = str(exc)
        except Exception as exc:
            self.error = report_failure("could not read more sessions", exc, _LOAD_FAILED)
        else:
            self.sessions = [*self.sessions, *page.rows]
            self._cursor = page.next_cursor
            self.has_more = page.next_cursor is not None
            self._pages += 1
        finally:
            self.loading = False

    @rx.event
    def dismiss_error(self):
        """Hide the error callout."""
        self.error = ""
