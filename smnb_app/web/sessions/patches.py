"""One change of a user's sessions, as sent to their tabs, and applying it to what a tab shows.

The acting tab reads the changed row and the counts once; every other tab applies them to its
own filter and loaded pages in memory, with no database read. Rows carry their version
(`updated_at`, strictly increasing), so a patch that arrives after a newer one changes nothing.
The listing is ordered by `(created_at, id)` descending, which no change alters, and a tab has
loaded every row from the top down to its cursor, so where a row belongs is known in memory.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from smnb_app.services.sessions import SessionsTally
from smnb_app.web.sessions.rows import SessionRow

# The version remembered for a deleted session: no later patch brings it back.
GONE = 2**63
# Versions remembered per tab (the newest first): enough for any burst of changes in flight.
SEEN_LIMIT = 64


@dataclasses.dataclass(frozen=True)
class SessionsPatch:
    """One change of a user's sessions, with the counts read right after it.

    Attributes:
        user_id: The user whose sessions changed.
        token: That user's link token (see `link_token`).
        rows: Sessions created or changed, as stored after the change.
        removed: Ids of deleted sessions.
        tally: The user's counts and version, read in the same step as the change.
        read_ns: When the tally was read (epoch ns); a tab keeps the newest tally it got.
    """

    user_id: int
    token: str
    rows: tuple[SessionRow, ...]
    removed: tuple[int, ...]
    tally: SessionsTally
    read_ns: int


def _key(row: SessionRow) -> tuple[int, int]:
    return row.created_at, row.id


def patched_rows(
    shown: Sequence[SessionRow],
    patch: SessionsPatch,
    *,
    status: str | None,
    boundary: tuple[int, int] | None,
    seen: dict[int, int],
) -> list[SessionRow] | None:
    """What a tab shows after a patch.

    Args:
        shown: The rows the tab shows, newest first.
        patch: The change.
        status: The tab's status filter; None shows every status.
        boundary: `(created_at, id)` of the last loaded row when more pages remain (the tab's
            cursor); None when the tab has loaded everything.
        seen: Session id -> newest version this tab applied; updated in place and trimmed to
            `SEEN_LIMIT`.

    Returns:
        The new rows, or None when the patch changes nothing the tab shows.
    """
    by_id = {row.id: row for row in shown}
    changed = False
    for session_id in patch.removed:
        _remember(seen, session_id, GONE)
        changed |= by_id.pop(session_id, None) is not None
    for row in patch.rows:
        current = by_id.get(row.id)
        newest = max(seen.get(row.id, -1), current.updated_at if current is not None else -1)
        if row.updated_at <= newest:
            continue
        _remember(seen, row.id, row.updated_at)
        belongs = (status is None or row.status == status) and (boundary is None or _key(row) >= boundary)
        if belongs:
            by_id[row.id] = row
            changed = True
        elif current is not None:
            del by_id[row.id]
            changed = True
    _trim(seen)
    if not changed:
        return None
    return sorted(by_id.values(), key=_key, reverse=True)


def _remember(seen: dict[int, int], session_id: int, version: int) -> None:
    # Re-inserted, so that the dict's order is the order of last use.
    seen.pop(session_id, None)
    seen[session_id] = version


def _trim(seen: dict[int, int]) -> None:
    for session_id in list(seen)[: max(0, len(seen) - SEEN_LIMIT)]:
        del seen[session_id]
