"""What one client address may cost a worker: open sockets, new sockets, events a second, sign-ins a minute.

Kept in this process's memory, per worker: the websocket guard asks before Reflex reads, queues
or locks anything. An IPv6 client is counted by its /64 network, which one host usually owns
whole. Idle addresses are forgotten oldest first beyond a bound, so a flood of addresses cannot
grow the table; an address with open sockets is never forgotten.
"""

from __future__ import annotations

import ipaddress
from collections import OrderedDict
from dataclasses import dataclass, field

from smnb_app.net.token_bucket import Bucket, take

# Enough for every address a worker sees in a busy minute; beyond it the oldest idle one goes.
MAX_TRACKED_ADDRESSES = 50_000


def address_key(address: str) -> str:
    """The key an address is budgeted under: itself, or its /64 network for IPv6.

    Args:
        address: The client's address as `client_address` gives it ("" when unknown).

    Returns:
        The key; unparseable text is kept as it is (bounded by the caller).
    """
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


@dataclass(frozen=True)
class BudgetLimits:
    """The per-address budgets (see `smnb_app.config.settings`).

    Attributes:
        sockets: Open sockets at once.
        event_rate: Events a second across all of the address's tabs, on average.
        event_burst: Events at once.
        sign_ins_per_minute: New session tokens presented a minute (each costs a verification
            and a transaction).
        connect_rate: New sockets a second, on average (each costs a state and a hydration).
        connect_burst: New sockets at once.
    """

    sockets: int
    event_rate: float = 1.0
    event_burst: int = 1
    sign_ins_per_minute: int = 1
    connect_rate: float = 1.0
    connect_burst: int = 1


@dataclass
class _Address:
    sockets: int = 0
    # By budget: "events", "sign_ins", "connects".
    buckets: dict[str, Bucket] = field(default_factory=dict)

    def take(self, budget: str, now: float, rate: float, burst: int, cost: float = 1.0) -> bool:
        allowed, self.buckets[budget] = take(self.buckets.get(budget), now=now, rate=rate, burst=burst, cost=cost)
        return allowed


class AddressBudgets:
    """The budgets of every client address this worker serves."""

    def __init__(self, limits: BudgetLimits, *, max_addresses: int = MAX_TRACKED_ADDRESSES) -> None:
        """Start with every address's budget full.

        Args:
            limits: The budgets.
            max_addresses: How many addresses are remembered at most.
        """
        self.limits = limits
        self._max_addresses = max_addresses
        self._addresses: OrderedDict[str, _Address] = OrderedDict()

    def _entry(self, key: str) -> _Address:
        entry = self._addresses.get(key)
        if entry is None:
            entry = self._addresses[key] = _Address()
            self._forget_idle()
        else:
            self._addresses.move_to_end(key)
        return entry

    def _forget_idle(self) -> None:
        if len(self._addresses) <= self._max_addresses:
            return
        # Entries are added one at a time, so one goes: the least recently used idle one.
        oldest_idle = next((key for key, entry in self._addresses.items() if entry.sockets == 0), None)
        if oldest_idle is not None:
            del self._addresses[oldest_idle]

    def open_socket(self, key: str, now: float | None = None) -> bool:
        """Count a new socket of an address, unless it has all it may have.

        Args:
            key: The address's key (`address_key`).
            now: The current time in seconds (monotonic) to take a new socket from the
                address's connect budget too; None leaves that budget alone.

        Returns:
            True when the socket is counted (call `close_socket` when it ends).
        """
        entry = self._entry(key)
        if entry.sockets >= self.limits.sockets:
            return False
        if now is not None and not entry.take("connects", now, self.limits.connect_rate, self.limits.connect_burst):
            return False
        entry.sockets += 1
        return True

    def close_socket(self, key: str) -> None:
        """Stop counting a socket `open_socket` counted.

        Args:
            key: The address's key.
        """
        entry = self._addresses.get(key)
        if entry is not None and entry.sockets > 0:
            entry.sockets -= 1

    def open_sockets(self, key: str) -> int:
        """How many sockets of an address are counted now."""
        entry = self._addresses.get(key)
        return entry.sockets if entry is not None else 0

    def take_event(self, key: str, now: float, cost: float = 1.0) -> bool:
        """Take an event from an address's budget.

        Args:
            key: The address's key.
            now: The current time in seconds (monotonic).
            cost: What the event costs in events (see `EVENT_COSTS`).

        Returns:
            Whether the event may go on.
        """
        return self._entry(key).take("events", now, self.limits.event_rate, self.limits.event_burst, cost)

    def take_sign_in(self, key: str, now: float) -> bool:
        """Take one sign-in (a new session token) from an address's budget.

        Args:
            key: The address's key.
            now: The current time in seconds (monotonic).

        Returns:
            Whether the token may be verified.
        """
        per_minute = self.limits.sign_ins_per_minute
        return self._entry(key).take("sign_ins", now, per_minute / 60.0, per_minute)
