"""Hourly housekeeping of every worker, from start-up on: unfinished work is finished, old records deleted.

First the account deletions that were recorded but not finished (Clerk or the database failed,
or the process stopped, before the end; see `smnb_app.web.account.state`). Then audit events older
than `SMNB_AUDIT_RETENTION_DAYS`, revocations past any token of theirs, and webhook delivery ids
older than any retry. Each purge is one short transaction; workers doing it at the same time
only find less to delete, and finishing a deletion twice does no harm.
"""

from __future__ import annotations

import asyncio
import logging

from smnb_app.config.settings import get_settings
from smnb_app.db import epoch_ms
from smnb_app.db.availability import DatabaseUnavailable
from smnb_app.services.audit import purge_events
from smnb_app.services.identity.provider_events import purge_deliveries
from smnb_app.services.identity.revocations import purge_revocations
from smnb_app.web.account.deletion import finish_pending_deletions_now
from smnb_app.web.shared.runtime import run_db

logger = logging.getLogger(__name__)

PURGE_EVERY_S = 3600.0
_DAY_MS = 86_400_000


async def purge_expired_records() -> None:
    """Finish and purge now and every hour after (an app lifespan task); a failure is logged and retried."""
    while True:
        await finish_deletions_once()
        await purge_once()
        await asyncio.sleep(PURGE_EVERY_S)


async def finish_deletions_once() -> None:
    """Finish the account deletions that were recorded but not finished."""
    try:
        await finish_pending_deletions_now()
    except Exception as exc:
        logger.warning(
            "could not finish the pending account deletions: %s", exc, exc_info=not isinstance(exc, DatabaseUnavailable)
        )


async def purge_once() -> None:
    """Delete every record past its time, one kind after another."""
    days = get_settings().audit_retention_days
    cutoff = epoch_ms() - days * _DAY_MS
    purges = {
        f"audit events older than {days} days": lambda db: purge_events(db=db, older_than_ms=cutoff),
        "expired revocations": lambda db: purge_revocations(db=db),
        "old webhook delivery ids": lambda db: purge_deliveries(db=db),
    }
    for what, purge in purges.items():
        try:
            removed = await run_db(purge, bounded=False)
        except Exception as exc:
            logger.warning("could not purge %s: %s", what, exc, exc_info=not isinstance(exc, DatabaseUnavailable))
            continue
        if removed:
            logger.info("purged %d %s", removed, what)
