"""The per-tab UI state of the sessions page: inline rename, settings panel, delete dialog."""

from __future__ import annotations

import reflex as rx

from smnb_app.web.sessions.rows import SessionRow, session_ref


class SessionsPanels(rx.State, mixin=True):
    """Which row is being renamed, whose settings are open, what awaits delete confirmation.

    Session ids here come from the browser; they only ever reach a service together with the
    verified user's id (see `SessionsState`).
    """

    editing_id: int = 0
    settings_id: int = 0
    confirm_delete_id: int = 0
    confirm_delete_name: str = ""

    # The rows the tab shows, declared by `SessionsListing`, the other mixin of `SessionsState`.
    sessions: rx.Field[list[SessionRow]]

    def _close_panels(self) -> None:
        self.editing_id = self.settings_id = self.confirm_delete_id = 0

    @rx.event
    def start_rename(self, session_id: int):
        """Show the inline rename field of a session.

        Args:
            session_id: The session to rename.
        """
        self.editing_id = session_ref(session_id)

    @rx.event
    def cancel_rename(self):
        """Close the inline rename field without saving (Escape in the field, or Cancel)."""
        self.editing_id = 0

    @rx.event
    def toggle_settings(self, session_id: int):
        """Open a session's settings panel, or close it when it is open.

        Args:
            session_id: The session whose panel to toggle.
        """
        session_id = session_ref(session_id)
        self.settings_id = 0 if self.settings_id == session_id else session_id

    @rx.event
    def ask_delete(self, session_id: int):
        """Ask for confirmation before deleting a session shown in this tab.

        Args:
            session_id: The session to delete.
        """
        session_id = session_ref(session_id)
        self.confirm_delete_id = session_id
        self.confirm_delete_name = next((row.name for row in self.sessions if row.id == session_id), "this session")

    @rx.event
    def cancel_delete(self):
        """Close the delete confirmation without deleting."""
        self.confirm_delete_id = 0
