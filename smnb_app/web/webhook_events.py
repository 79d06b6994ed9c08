"""Applying what Clerk's webhooks report: the database first (once per delivery), then the open tabs.

`user.created`/`user.updated` store the profile (unless a newer one is stored) and show it in
every tab of the user; `user.deleted` deletes the user's data and signs every tab of theirs out;
the session events refuse that session's remaining tokens and sign out the tabs holding it.
Each applied event goes into the audit trail.
"""

from __future__ import annotations

import dataclasses

from smnb_app.auth import token_identifier
from smnb_app.config.settings import get_settings
from smnb_app.providers.clerk.webhooks import PROFILE_EVENTS, USER_DELETED, ClerkEvent
from smnb_app.services.audit import AuditEvent
from smnb_app.services.identity.provider_events import (
    EventOutcome,
    apply_profile_event,
    apply_session_ended,
    apply_user_deleted,
)
from smnb_app.services.identity.revocations import ENDED_MESSAGE
from smnb_app.services.identity.users import identity_from_claims
from smnb_app.web.shared.audit import record_later
from smnb_app.web.shared.runtime import get_clerk_api, run_db
from smnb_app.web.signin.tab_news import end_sessions_in_tabs, show_profile_in_tabs

ACCOUNT_DELETED_MESSAGE = "This account was deleted."


async def apply_clerk_event(event: ClerkEvent) -> bool:
    """Apply a verified webhook event (a repeated delivery changes nothing), then tell the tabs.

    Args:
        event: The event.

    Returns:
        Whether this delivery applied it (False: an earlier one had).
    """
    issuer = get_settings().issuer
    key = token_identifier(issuer, event.user_id)
    if event.type in PROFILE_EVENTS and event.profile is not None:
        identity = dataclasses.replace(
            identity_from_claims(issuer=issuer, subject=event.user_id, claims=event.profile.as_claims()),
            profile_updated_at=event.updated_at,
        )
        outcome = await run_db(
            lambda db: apply_profile_event(
                db=db, delivery_id=event.delivery_id, event_type=event.type, identity=identity
            )
        )
        if (api := get_clerk_api()) is not None:
            api.forget_profile(event.user_id)
        if outcome.user is not None:
            await show_profile_in_tabs(outcome.user)
    elif event.type == USER_DELETED:
        outcome = await run_db(
            lambda db: apply_user_deleted(db=db, delivery_id=event.delivery_id, token_identifier=key)
        )
        if outcome.applied and outcome.user_id is not None:
            await end_sessions_in_tabs(outcome.user_id, sids=None, message=ACCOUNT_DELETED_MESSAGE)
    else:
        sid = event.session_id or ""
        outcome = await run_db(
            lambda db: apply_session_ended(
                db=db, delivery_id=event.delivery_id, event_type=event.type, token_identifier=key, sid=sid
            )
        )
        if outcome.applied and outcome.user_id is not None:
            await end_sessions_in_tabs(outcome.user_id, sids=frozenset({sid}), message=ENDED_MESSAGE)
    _audit(event, outcome)
    return outcome.applied


def _audit(event: ClerkEvent, outcome: EventOutcome) -> None:
    if outcome.applied:
        # A deleted user's row (and their audit rows) are gone: the event names no user.
        user_id = None if event.type == USER_DELETED else outcome.user_id
        record_later(AuditEvent(kind="webhook", user_id=user_id, sid=event.session_id, reason=event.type))
