"""Deleting an account in Clerk mode: a tombstone first, then Clerk, then the data here, finished later if need be.

The user cannot sign in again once Clerk has deleted them, so a failure after that call must not
ask them to retry: the deletion is recorded first (a tombstone refusing every token of theirs),
then Clerk deletes the user, then the data here is deleted. What fails after the tombstone is
finished in the background (`DeletionFinisher`, then the hourly housekeeping, after a restart
too), and the user reads which part is done and which follows.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from smnb_app.auth import token_identifier
from smnb_app.config.settings import get_settings
from smnb_app.providers.clerk.api import ClerkApiError, ClerkBackendApi
from smnb_app.services.identity.accounts import (
    begin_account_deletion,
    finish_account_deletion,
    pending_account_deletions,
)
from smnb_app.web.shared.failures import report_failure
from smnb_app.web.shared.runtime import get_clerk_api, run_db

logger = logging.getLogger(__name__)

DELETED = "Your account was deleted."
DELETED_HERE_ONLY = (
    "Your account was deleted here; the sign-in service has not confirmed yet, so its record of "
    "you is removed as soon as it does."
)
DELETED_AT_PROVIDER_ONLY = (
    "Your account was deleted; the rest of your data here is removed as soon as the database answers."
)
DELETION_UNDERWAY = "Your account is locked and is deleted as soon as the sign-in service and the database answer."
NO_SECRET_KEY = "This needs the server's Clerk secret key (CLERK_SECRET_KEY), which is not set."
UNEXPECTED = "Something went wrong. Try again in a moment."
# Pauses of the background retries of an unfinished deletion: about an hour in all, after which
# the hourly housekeeping keeps trying.
RETRY_PAUSES_S: tuple[float, ...] = (1, 2, 5, 10, 30, 60, 120, *([300.0] * 11))

DbRunner = Callable[[Callable[[Session], Any]], Awaitable[Any]]


@dataclass(frozen=True)
class DeletionOutcome:
    """How an account deletion went.

    Attributes:
        error: Set when nothing was changed: the tab stays signed in and shows it.
        message: Set when the account can no longer be used: every tab signs out with it.
        finished: False when a part is left for the background to finish.
    """

    error: str = ""
    message: str = ""
    finished: bool = True


# What the user reads, by (Clerk confirmed the deletion, the data here is deleted).
_DELETION_MESSAGES = {
    (True, True): DELETED,
    (False, True): DELETED_HERE_ONLY,
    (True, False): DELETED_AT_PROVIDER_ONLY,
    (False, False): DELETION_UNDERWAY,
}


async def _delete_at_clerk(api: ClerkBackendApi, subject: str) -> bool:
    """Whether Clerk confirmed deleting the user; a failure is logged, to be retried."""
    try:
        await api.delete_user(subject)
    except ClerkApiError as exc:
        logger.warning("could not delete a user at Clerk, retried later: %s", exc)
        return False
    except Exception:
        logger.exception("could not delete a user at Clerk, retried later")
        return False
    return True


async def _delete_here(run: DbRunner, identity: str, *, deleted_at_provider: bool) -> bool:
    """Whether the user's data here is deleted; a failure is logged, to be retried."""
    try:
        await run(
            lambda db: finish_account_deletion(
                db=db, token_identifier=identity, deleted_at_provider=deleted_at_provider
            )
        )
    except Exception as exc:
        report_failure("could not delete a user's data, retried later", exc)
        return False
    return True


async def delete_clerk_account(
    *, token_identifier: str, subject: str, sid: str, api: ClerkBackendApi | None, run: DbRunner
) -> DeletionOutcome:
    """Delete a Clerk user's account: tombstone, then Clerk, then the data here.

    Args:
        token_identifier: The user (`iss|sub`).
        subject: Their Clerk user id.
        sid: The acting session.
        api: Clerk's Backend API; None when no secret key is configured.
        run: Runs one service call with a database session (`run_db`).

    Returns:
        An error when nothing was changed; else the message that says what is done.
    """
    if api is None:
        return DeletionOutcome(error=NO_SECRET_KEY)
    try:
        await run(lambda db: begin_account_deletion(db=db, token_identifier=token_identifier, sids=[sid]))
    except Exception as exc:
        return DeletionOutcome(error=report_failure("could not record an account deletion", exc, UNEXPECTED))
    at_clerk = await _delete_at_clerk(api, subject)
    here = await _delete_here(run, token_identifier, deleted_at_provider=at_clerk)
    return DeletionOutcome(message=_DELETION_MESSAGES[at_clerk, here], finished=at_clerk and here)


async def finish_pending_deletions(*, api: ClerkBackendApi | None, run: DbRunner, issuer: str) -> int:
    """Finish every account deletion that was recorded and not finished: at Clerk, then here.

    Args:
        api: Clerk's Backend API; None leaves the deletions at Clerk pending.
        run: Runs one service call with a database session (`run_db`).
        issuer: The configured issuer: only its users are Clerk's to delete.

    Returns:
        How many deletions are still unconfirmed by Clerk.

    Raises:
        DatabaseUnavailable: The database did not answer (the caller retries later).
    """
    pending = await run(lambda db: pending_account_deletions(db=db))
    here = dict.fromkeys(pending.here)
    unconfirmed = 0
    for identity in pending.at_provider:
        subject = identity.rpartition("|")[2]
        if api is None or token_identifier(issuer, subject) != identity or not await _delete_at_clerk(api, subject):
            unconfirmed += 1
            continue
        await run(
            lambda db, identity=identity: finish_account_deletion(
                db=db, token_identifier=identity, deleted_at_provider=True
            )
        )
        here.pop(identity, None)
    for identity in here:
        await run(
            lambda db, identity=identity: finish_account_deletion(
                db=db, token_identifier=identity, deleted_at_provider=False
            )
        )
    if pending.at_provider or pending.here:
        logger.info(
            "account deletions: %d finished, %d still wait for Clerk",
            len(set(pending.at_provider) | set(pending.here)) - unconfirmed,
            unconfirmed,
        )
    return unconfirmed


class DeletionFinisher:
    """Retries `finish` with back-off until it leaves nothing pending; one retry loop per process."""

    def __init__(self, finish: Callable[[], Awaitable[int]], pauses_s: Sequence[float] = RETRY_PAUSES_S) -> None:
        """Create a finisher.

        Args:
            finish: Finishes what it can; returns how many deletions are still pending.
            pauses_s: The pauses before each try.
        """
        self._finish = finish
        self._pauses_s = pauses_s
        self._task: asyncio.Task[None] | None = None

    def start(self) -> asyncio.Task[None]:
        """Retry from the shortest pause again (a new deletion needs finishing now, not in 5 minutes).

        Returns:
            The retry loop's task.
        """
        if self._task is not None:
            self._task.cancel()
        self._task = asyncio.get_running_loop().create_task(self._retry())
        return self._task

    async def _retry(self) -> None:
        for pause in self._pauses_s:
            await asyncio.sleep(pause)
            try:
                if await self._finish() == 0:
                    return
            except Exception as exc:
                report_failure("could not finish the pending account deletions, retried later", exc)
        logger.warning("account deletions are still pending; the hourly housekeeping keeps trying")


async def finish_pending_deletions_now() -> int:
    """`finish_pending_deletions` with the app's Clerk client, database and issuer.

    Returns:
        How many deletions are still unconfirmed by Clerk.
    """
    return await finish_pending_deletions(api=get_clerk_api(), run=run_db, issuer=get_settings().issuer)


FINISHER = DeletionFinisher(finish_pending_deletions_now)
