"""The /sessions page: the signed-in user's sessions, live across every tab of the user."""

from __future__ import annotations

import reflex as rx

from smnb_app.web.sessions.list_panel import sessions_panel
from smnb_app.web.sessions.state import SessionsState
from smnb_app.web.signin.gate import protected
from smnb_app.web.signin.state import AuthState


def sessions_page() -> rx.Component:
    """The protected sessions page."""
    return protected(sessions_panel())


# Access check first (it may redirect), then the tab's own load; a tab whose token arrives
# after on_load loads when its protected content mounts (see `sessions_panel`).
SESSIONS_ON_LOAD = [AuthState.check_access, SessionsState.open_page]
