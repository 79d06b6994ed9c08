"""The sessions page state: per-tab UI state and the actions that change the user's sessions.

Each action takes the user from `AuthState._verified_user_id()` and makes exactly one service
call; a session id from the browser only ever reaches a service together with that verified
id, so naming someone else's session is answered "Session not found". After a change the tab
reads the counts in the same step and applies the change to itself as a patch, then pushes the
same patch to the user's other tabs (`push_to_other_tabs`), which apply it in memory: one
database read per change, however many tabs the user has open.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import reflex as rx
from sqlmodel import Session

from smnb_app.config.settings import get_settings
from smnb_app.services import sessions as svc
from smnb_app.web.live.delivery import push_to_other_tabs
from smnb_app.web.live.link import user_scoped
from smnb_app.web.live.registry import link_token
from smnb_app.web.sessions.listing import SessionsListing
from smnb_app.web.sessions.panels import SessionsPanels
from smnb_app.web.sessions.patches import SessionsPatch
from smnb_app.web.sessions.rows import row_from_view, session_ref, setting_key, setting_value
from smnb_app.web.shared.failures import report_failure
from smnb_app.web.shared.runtime import run_db

_UNEXPECTED = "Something went wrong. Reload the page to see your sessions, then try again."


@user_scoped
class SessionsState(SessionsPanels, SessionsListing, rx.State):
    """The /sessions page of one tab."""

    busy: str = ""

    @rx.event
    async def open_page(self):
        """On loading /sessions: reset the tab's transient UI state and re-read its list.

        A tab that never loaded leaves the first load to `ensure_loaded`, sent when the
        protected content mounts, once the tab's token has been verified.
        """
        self._close_panels()
        self.error = self.busy = ""
        user_id = await self._acting_user()
        if user_id is not None and self.loaded and user_id == self._loaded_for:
            await self._reload(user_id)

    async def _mutate(
        self,
        busy: str,
        action: Callable[[Session, int], svc.SessionView | None],
        *,
        removes: int = 0,
        then: Callable[[], None] | None = None,
    ) -> AsyncIterator[None]:
        """Run one service call as the verified user; show its error, or publish the change.

        Args:
            busy: What the page shows as in progress.
            action: The service call; returns the session as stored after it (None: deleted).
            removes: The id of the session the call deletes.
            then: Runs after a successful call (closing an editor).
        """
        user_id = await self._acting_user()
        if user_id is None:
            return
        self.busy, self.error = busy, ""
        yield

        def act(db: Session) -> SessionsPatch:
            view = action(db, user_id)
            tally = svc.tally_sessions(db=db, user_id=user_id)
            rows = () if view is None else (row_from_view(view),)
            removed = (removes,) if removes else ()
            return SessionsPatch(user_id, link_token(user_id), rows, removed, tally, time.time_ns())

        try:
            patch = await run_db(act)
            if then is not None:
                then()
            await self._take_patch(patch)
            push_to_other_tabs(
                user_id, SessionsState, lambda tab: tab._take_patch(patch), sender=self.router.session.client_token
            )
        except svc.SessionError as exc:
            self.error = str(exc)
        except Exception as exc:
            self.error = report_failure("session action failed", exc, _UNEXPECTED)
        finally:
            self.busy = ""

    @rx.event
    def create(self):
        """Create a session with the default name and settings."""
        limit = get_settings().max_sessions_per_user
        return self._mutate("create", lambda db, uid: svc.create_session(db=db, user_id=uid, max_sessions=limit))

    @rx.event
    def save_rename(self, form_data: dict):
        """Save the inline rename field.

        Args:
            form_data: The rename form; its `name` field holds the new name.
        """
        session_id = self.editing_id
        # Whatever the browser sent: the service refuses anything but a valid name, None included.
        name: Any = form_data.get("name") if isinstance(form_data, dict) else None

        def close() -> None:
            self.editing_id = 0

        return self._mutate(
            f"rename-{session_id}",
            lambda db, uid: svc.rename_session(db=db, user_id=uid, session_id=session_id, name=name),
            then=close,
        )

    @rx.event
    def change_setting(self, session_id: int, key: str, value: Any):
        """Change one setting; the service enforces ranges and the control mode.

        Args:
            session_id: The session to change.
            key: The setting's name.
            value: The control's value (sliders send a one-item list).
        """
        session_id, key = session_ref(session_id), setting_key(key)
        return self._mutate(
            f"settings-{session_id}",
            lambda db, uid: svc.update_settings(
                db=db, user_id=uid, session_id=session_id, changes={key: setting_value(key, value)}
            ),
        )

    @rx.event
    def change_status(self, session_id: int, status: str):
        """Pause, resume, archive or restore a session.

        Args:
            session_id: The session to change.
            status: active, paused or archived.
        """
        session_id = session_ref(session_id)
        return self._mutate(
            f"status-{session_id}",
            lambda db, uid: svc.set_status(db=db, user_id=uid, session_id=session_id, status=status),
        )

    @rx.event
    def duplicate(self, session_id: int):
        """Copy a session as "<name> (Copy)", paused.

        Args:
            session_id: The session to copy.
        """
        session_id, limit = session_ref(session_id), get_settings().max_sessions_per_user
        return self._mutate(
            f"duplicate-{session_id}",
            lambda db, uid: svc.duplicate_session(db=db, user_id=uid, session_id=session_id, max_sessions=limit),
        )

    @rx.event
    def confirm_delete(self):
        """Delete the session the confirmation was opened for."""
        session_id, self.confirm_delete_id = self.confirm_delete_id, 0
        if not session_id:
            return None
        return self._mutate(
            f"delete-{session_id}",
            lambda db, uid: svc.delete_session(db=db, user_id=uid, session_id=session_id),
            removes=session_id,
        )
