"""What the socket guard remembers of each open socket: its address, its budget, its hydration."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from smnb_app.net.budgets import AddressBudgets
from smnb_app.net.token_bucket import Bucket, take
from smnb_app.web.guard.event_guard import NOTICE_HOLD_S


@dataclass
class Connection:
    """One socket of one tab, as the guard counts it.

    Attributes:
        key: Its address, as the budgets key it.
        events: Its tab's event budget (None until its first event: a full one).
        hydrated: Whether it has sent its hydration.
        last_token: The digest of the last session token it presented.
        noticed_at: When its tab was last told its events were dropped.
    """

    key: str
    events: Bucket | None = None
    hydrated: bool = False
    last_token: str = ""
    noticed_at: float = float("-inf")

    def take_events(self, *, now: float, rate: float, burst: int, cost: int) -> bool:
        """Take an event's cost from the tab's budget.

        Args:
            now: The current time (monotonic seconds).
            rate: The budget's refill, events a second.
            burst: The budget's size.
            cost: What the event costs.

        Returns:
            Whether the budget had room for it.
        """
        allowed, self.events = take(self.events, now=now, rate=rate, burst=burst, cost=cost)
        return allowed

    def sign_in_allowed(self, frame: dict[str, Any], budgets: AddressBudgets, now: float) -> bool:
        """Whether a session token may be verified: the same token again is free, a new one costs.

        Args:
            frame: The sign-in event (its shape already checked).
            budgets: The address budgets; a new token takes one of the address's sign-ins.
            now: The current time (monotonic seconds).

        Returns:
            True to verify it.
        """
        token = frame.get("payload", {}).get("token")
        if not isinstance(token, str) or not token:
            return True
        digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
        if digest == self.last_token:
            return True
        if not budgets.take_sign_in(self.key, now):
            return False
        self.last_token = digest
        return True

    def notice_due(self, now: float) -> bool:
        """Whether the tab may be told again that its events were dropped; counts it if so.

        Args:
            now: The current time (monotonic seconds).

        Returns:
            True at most once every `NOTICE_HOLD_S`.
        """
        if now - self.noticed_at < NOTICE_HOLD_S:
            return False
        self.noticed_at = now
        return True
