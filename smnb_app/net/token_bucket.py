"""A token bucket: at most `rate` events a second on average, `burst` at once."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Bucket:
    """The state of one bucket: tokens left and when they were counted (seconds)."""

    tokens: float
    at: float


def take(bucket: Bucket | None, *, now: float, rate: float, burst: int, cost: float = 1.0) -> tuple[bool, Bucket]:
    """Take `cost` tokens for an event, refilling at `rate` per second up to `burst`.

    Args:
        bucket: The bucket as last left; None for a new client (a full bucket).
        now: The current time in seconds.
        rate: Tokens added per second.
        burst: The bucket's size.
        cost: What the event costs (1 for most; more for events that cost the server more).

    Returns:
        Whether the event may run, and the bucket after it.
    """
    if bucket is None:
        tokens = float(burst)
    else:
        # A clock that went backwards adds nothing rather than taking tokens away.
        tokens = min(float(burst), bucket.tokens + max(0.0, now - bucket.at) * rate)
    if tokens >= cost:
        return True, Bucket(tokens - cost, now)
    return False, Bucket(tokens, now)
