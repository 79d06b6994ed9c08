"""A throttle for things that must not flood: log lines and audit rows, per key and in all."""

from __future__ import annotations

import threading
from collections import OrderedDict


class Throttle:
    """Lets each key through at most once per interval, and few keys per interval in all.

    Keeps `token_rejected` and `rate_limited` events (and their log lines) to one per client
    per interval and a flood from many clients to `max_per_interval` per fixed window, so
    neither can fill the disk. The keys let through form an LRU of at most `max_keys`: an
    evicted key may pass again early, still under the global cap. Thread-safe, per process.

    Args:
        interval_s: The interval in seconds; positive.
        max_keys: How many keys are remembered at most; at least 1.
        max_per_interval: How many keys pass per window, all keys together; at least 1.

    Raises:
        ValueError: If an argument is out of range.
    """

    def __init__(self, interval_s: float = 60.0, max_keys: int = 10_000, max_per_interval: int = 600) -> None:
        if interval_s <= 0 or max_keys < 1 or max_per_interval < 1:
            raise ValueError("interval_s must be positive, max_keys and max_per_interval >= 1")
        self._interval_s = interval_s
        self._max_keys = max_keys
        self._max_per_interval = max_per_interval
        self._passed_at: OrderedDict[str, float] = OrderedDict()
        self._window_start = float("-inf")
        self._window_count = 0
        self._lock = threading.Lock()

    def allow(self, key: str, now: float) -> bool:
        """Tell whether an event for `key` may be written now, and count it if so.

        Args:
            key: Who the event is about, e.g. the client's IP address.
            now: The current time in seconds, from a monotonic clock.

        Returns:
            True at most once per interval per key, within the global cap.
        """
        with self._lock:
            last = self._passed_at.get(key)
            if last is not None and now - last < self._interval_s:
                return False
            if now - self._window_start >= self._interval_s:
                self._window_start, self._window_count = now, 0
            if self._window_count >= self._max_per_interval:
                return False
            self._window_count += 1
            self._passed_at[key] = now
            self._passed_at.move_to_end(key)
            self._forget_oldest(now)
            return True

    def _forget_oldest(self, now: float) -> None:
        # Keys are in the order they passed: drop from the front what is expired or over the cap.
        while self._passed_at:
            key, passed_at = next(iter(self._passed_at.items()))
            if len(self._passed_at) <= self._max_keys and now - passed_at < self._interval_s:
                return
            del self._passed_at[key]
