"""Data layer: SQLModel tables, engines, database sessions and migrations (no Reflex here)."""

from smnb_app.db.engine import get_engine, make_engine, normalize_url, session_scope
from smnb_app.db.lifecycle import REVOCATION_KINDS, Revocation, WebhookDelivery
from smnb_app.db.migrate import upgrade_to_head
from smnb_app.db.models import (
    AUTH_EVENT_KINDS,
    AUTH_EVENT_ONCE_PER_SID_WHERE,
    SESSION_STATUSES,
    AuthEvent,
    ModelSession,
    User,
    epoch_ms,
)
from smnb_app.db.tables import table_of

__all__ = [
    "AUTH_EVENT_KINDS",
    "AUTH_EVENT_ONCE_PER_SID_WHERE",
    "REVOCATION_KINDS",
    "SESSION_STATUSES",
    "AuthEvent",
    "ModelSession",
    "Revocation",
    "User",
    "WebhookDelivery",
    "epoch_ms",
    "get_engine",
    "make_engine",
    "normalize_url",
    "session_scope",
    "table_of",
    "upgrade_to_head",
]
