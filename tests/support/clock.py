"""A clock the test moves by hand, so time rules are tested without sleeping."""

from __future__ import annotations

START = 1_700_000_000.0


class FakeClock:
    """Callable like `time.time`, returning a time that only `advance` changes."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by `seconds`."""
        self.now += seconds
