"""A sign-in as one transaction: the user's row, the refusal of ended sessions, the audit row.

The revocation check runs after the upsert, in the same transaction: a `user.deleted` or an
ended session committed before the check is seen, and one committed after it waits for the
upsert's row lock and then deletes what the sign-in wrote. A refused sign-in leaves nothing.
"""

from __future__ import annotations

import dataclasses

from sqlmodel import Session

from smnb_app.db import epoch_ms
from smnb_app.services.audit import AuditEvent, record_event_in
from smnb_app.services.identity.revocations import is_revoked_in
from smnb_app.services.identity.users import AuthUser, Identity, upsert_user_in


class _Refused(Exception):
    """Rolls the sign-in's transaction back."""


def sign_in(
    *, db: Session, identity: Identity, sid: str, event: AuditEvent | None = None, now_ms: int | None = None
) -> AuthUser | None:
    """Create or refresh the user of a verified token, unless its session or user was revoked.

    Args:
        db: A database session with no transaction in progress.
        identity: The verified identity.
        sid: The token's provider session.
        event: A `sign_in` audit event to record with the user's id (a fresh sign-in), if any.
        now_ms: The current time in epoch ms; the clock when omitted.

    Returns:
        The user, committed; None when the token must be refused (nothing was written).
    """
    now = epoch_ms(now_ms)
    try:
        with db.begin():
            user = upsert_user_in(db, identity=identity, now_ms=now)
            if is_revoked_in(db, sid=sid, token_identifier=identity.token_identifier):
                raise _Refused
            if event is not None:
                record_event_in(db, event=dataclasses.replace(event, user_id=user.id), now_ms=now)
            return user
    except _Refused:
        return None
