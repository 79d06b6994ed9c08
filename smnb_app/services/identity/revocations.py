"""Revocations: provider sessions and users whose tokens are refused although they verify.

A session ends at the identity provider (a webhook, "sign out everywhere", account deletion) while
its last token may still be valid for a minute; a deleted user's tokens too. The server records
them here and refuses such tokens after verification ("This session was ended"). Rows are kept
for `KEEP_MS`, longer than any session token lives, then purged.

A user's revocation is also the tombstone of an account deletion in progress (see
`smnb_app.services.identity.accounts`): its reason is `DELETION_PENDING` until the identity provider has
confirmed the deletion, and such a row, or one whose user still has a row in `users`, is kept
past its horizon until the deletion is finished.

Each public function runs one transaction of its own, see `smnb_app.db.engine`.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Insert, bindparam, case, exists, or_, update
from sqlmodel import Session, col, select

from smnb_app.db import Revocation, User, epoch_ms, table_of
from smnb_app.db.purge import purge
from smnb_app.db.upserts import conflict_insert

SESSION = "session"
USER = "user"
# Eight days: beyond the life of any session token (Clerk's live 60 s, the dev provider's at most
# 1 h) and beyond Svix's retries, so a late delivery about a deleted user still finds them refused.
KEEP_MS = 8 * 24 * 60 * 60 * 1000
ENDED_MESSAGE = "This session was ended. Sign in again."
# The reasons of a deleted account's tombstone: before and after the provider confirmed it.
DELETION_PENDING = "account_deleting"
DELETION_CONFIRMED = "account_deleted"
_TABLE = table_of(Revocation)
# Asked on every sign-in: built once, with bound parameters.
_REVOKED = (
    select(col(Revocation.kind))
    .where(
        or_(
            (_TABLE.c.kind == SESSION) & (_TABLE.c.value == bindparam("sid", type_=_TABLE.c.value.type)),
            (_TABLE.c.kind == USER) & (_TABLE.c.value == bindparam("token_identifier", type_=_TABLE.c.value.type)),
        )
    )
    .limit(1)
)
# Past its horizon a revocation still stays while it is the tombstone of an unfinished account
# deletion, or while its user still has a row.
_PURGEABLE = (_TABLE.c.reason != DELETION_PENDING) & ~(
    (_TABLE.c.kind == USER) & exists().where(table_of(User).c.token_identifier == _TABLE.c.value)
)


def _upsert(dialect: str, rows: list[dict]) -> Insert:
    insert = conflict_insert(dialect)
    stmt = insert(_TABLE).values(rows)
    # A repeated revocation keeps the first reason and time, and the later horizon.
    return stmt.on_conflict_do_update(
        index_elements=[_TABLE.c.kind, _TABLE.c.value],
        set_={"keep_until": stmt.excluded.keep_until},
        where=_TABLE.c.keep_until < stmt.excluded.keep_until,
    )


def add_revocations(
    db: Session, *, sids: Iterable[str] = (), token_identifiers: Iterable[str] = (), reason: str, now_ms: int
) -> None:
    """Record revocations inside the caller's transaction (for services that do more in it).

    Args:
        db: A database session inside a transaction.
        sids: Provider session ids whose tokens to refuse.
        token_identifiers: Users (`iss|sub`) whose tokens to refuse.
        reason: Why, e.g. `session.revoked` or `sign_out_everywhere`.
        now_ms: The current time in epoch ms.
    """
    rows = [
        {"kind": kind, "value": value, "reason": reason[:64], "revoked_at": now_ms, "keep_until": now_ms + KEEP_MS}
        for kind, values in ((SESSION, sids), (USER, token_identifiers))
        for value in dict.fromkeys(values)
    ]
    if rows:
        db.exec(_upsert(db.get_bind().dialect.name, rows))


def revoke(
    *,
    db: Session,
    sids: Iterable[str] = (),
    token_identifiers: Iterable[str] = (),
    reason: str,
    now_ms: int | None = None,
) -> None:
    """Refuse from now on the tokens of these provider sessions and users.

    Args:
        db: A database session with no transaction in progress.
        sids: Provider session ids (`sess_...`).
        token_identifiers: Users (`iss|sub`).
        reason: Why, e.g. `session.revoked` or `sign_out_everywhere`.
        now_ms: The current time in epoch ms; the clock when omitted.
    """
    with db.begin():
        add_revocations(db, sids=sids, token_identifiers=token_identifiers, reason=reason, now_ms=epoch_ms(now_ms))


def is_revoked(*, db: Session, sid: str, token_identifier: str) -> bool:
    """Whether a verified token's session or user was revoked (one primary-key lookup each).

    Args:
        db: A database session with no transaction in progress.
        sid: The token's `sid`.
        token_identifier: The token's `iss|sub`.

    Returns:
        True when its tokens must be refused.
    """
    with db.begin():
        return is_revoked_in(db, sid=sid, token_identifier=token_identifier)


def is_revoked_in(db: Session, *, sid: str, token_identifier: str) -> bool:
    """`is_revoked` inside the caller's transaction.

    Args:
        db: A database session inside a transaction.
        sid: The token's `sid` ("" to ask about the user only).
        token_identifier: The token's `iss|sub`.

    Returns:
        True when its tokens must be refused.
    """
    return db.exec(_REVOKED, params={"sid": sid, "token_identifier": token_identifier}).first() is not None


def confirm_deletion_in(db: Session, *, token_identifier: str, now_ms: int) -> None:
    """Mark a user's tombstone as confirmed by the provider, inside the caller's transaction.

    Its horizon starts again: a late webhook about the deletion still finds the user refused.

    Args:
        db: A database session inside a transaction.
        token_identifier: The deleted user (`iss|sub`).
        now_ms: The current time in epoch ms.
    """
    horizon = now_ms + KEEP_MS
    db.exec(
        update(_TABLE)
        .where(_TABLE.c.kind == USER, _TABLE.c.value == token_identifier, _TABLE.c.reason == DELETION_PENDING)
        .values(
            reason=DELETION_CONFIRMED,
            keep_until=case((_TABLE.c.keep_until > horizon, _TABLE.c.keep_until), else_=horizon),
        )
    )


def purge_revocations(*, db: Session, now_ms: int | None = None) -> int:
    """Delete revocations past their horizon, except the tombstones of unfinished account deletions.

    Args:
        db: A database session with no transaction in progress.
        now_ms: The current time in epoch ms; the clock when omitted.

    Returns:
        How many were deleted.
    """
    return purge(db=db, model=Revocation, expired=(_TABLE.c.keep_until < epoch_ms(now_ms)) & _PURGEABLE)
