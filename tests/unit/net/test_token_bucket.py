"""The token bucket behind the per-tab event rate limit."""

from __future__ import annotations

from smnb_app.net.token_bucket import Bucket, take


def run(times: list[float], *, rate: float = 20, burst: int = 40) -> list[bool]:
    bucket, allowed = None, []
    for now in times:
        ok, bucket = take(bucket, now=now, rate=rate, burst=burst)
        allowed.append(ok)
    return allowed


def test_a_burst_passes_then_events_beyond_it_are_refused() -> None:
    assert run([0.0] * 45) == [True] * 40 + [False] * 5


def test_tokens_come_back_at_the_rate() -> None:
    allowed = run([0.0] * 41 + [0.049, 0.051, 0.06])
    assert allowed[40:] == [False, False, True, False]


def test_a_steady_rate_under_the_limit_is_never_refused() -> None:
    assert all(run([i * 0.06 for i in range(500)]))


def test_a_long_pause_refills_only_up_to_the_burst() -> None:
    assert run([0.0] * 40 + [1000.0] * 41) == [True] * 80 + [False]


def test_a_clock_going_backwards_adds_nothing() -> None:
    ok, bucket = take(Bucket(tokens=0.5, at=100.0), now=50.0, rate=20, burst=40)
    assert not ok and bucket.tokens == 0.5


def test_an_event_that_costs_more_takes_more_and_is_refused_when_short() -> None:
    allowed, bucket = take(None, now=0.0, rate=1.0, burst=6, cost=5)
    assert allowed and bucket.tokens == 1.0
    allowed, bucket = take(bucket, now=0.0, rate=1.0, burst=6, cost=5)
    assert not allowed and bucket.tokens == 1.0
    allowed, _ = take(bucket, now=4.0, rate=1.0, burst=6, cost=5)
    assert allowed
