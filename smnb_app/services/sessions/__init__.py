"""User-scoped sessions: the public API of the session service.

Contract shared by every function here:

- The acting user's id comes from the verified identity, never from the browser.
- A session that is missing or belongs to someone else raises the same `SessionNotFound`
  ("Session not found"): nobody learns that another user's session exists.
- One transaction per call (`with db.begin():` on a database session with no transaction in
  progress). Inputs are validated before anything is read or written, so a rejected call
  changes nothing.
- Rows being changed are read FOR UPDATE on PostgreSQL (SQLite's BEGIN IMMEDIATE already
  serializes writers), so concurrent edits never lose one another.
- `updated_at` moves forward on every real change; a call that changes nothing writes nothing.
"""

from smnb_app.services.sessions.commands import (
    create_session,
    delete_session,
    duplicate_session,
    rename_session,
    set_status,
    update_settings,
)
from smnb_app.services.sessions.errors import (
    SessionError,
    SessionNotFound,
    SessionRuleError,
    SessionValidationError,
)
from smnb_app.services.sessions.queries import count_sessions, get_session, list_sessions, tally_sessions
from smnb_app.services.sessions.settings import CONTROL_MODES, MODELS, default_settings
from smnb_app.services.sessions.views import SessionPage, SessionsTally, SessionView, StatusCounts

__all__ = [
    "CONTROL_MODES",
    "MODELS",
    "SessionError",
    "SessionNotFound",
    "SessionPage",
    "SessionRuleError",
    "SessionValidationError",
    "SessionsTally",
    "SessionView",
    "StatusCounts",
    "count_sessions",
    "create_session",
    "default_settings",
    "delete_session",
    "duplicate_session",
    "get_session",
    "list_sessions",
    "rename_session",
    "set_status",
    "tally_sessions",
    "update_settings",
]
