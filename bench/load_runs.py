"""The two runs of `bench/load.py`: bare Reflex's tabs, and the app's signed-in tabs with busy actors."""

from __future__ import annotations

import asyncio
import math
import random
import re
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx

from bench.load_actions import act, dev_token, open_signed_in
from bench.load_client import LoadTab, set_up, state_name
from bench.procstat import Usage, group_usage
from tests.harness.app_server import AppServer

GATE = state_name("floor_app.floor_app", "gate")
SETUP_CONCURRENCY = 100
WARMUP_TABS = 20
IDLE_S = 10.0
GC_PAUSE = re.compile(r"garbage collection .* paused this worker for ([0-9.]+) ms")
# Reflex's warning names the lock's token (client_state), how long, and the event that held it, if any.
LOCK_HELD = re.compile(
    r"Lock for token (\S+) was held too long time_taken=([0-9.]+)s"
    r".*?(?:Happened in event: \S*\.(\w+)|$)"
)


@dataclass
class AppUnderLoad:
    """A running server and what the run knows of it."""

    server: AppServer
    tabs: list[LoadTab] = field(default_factory=list)

    def usage(self) -> Usage:
        """Memory and CPU time of the server's whole process group."""
        return group_usage(self.server.process.pid)


@dataclass
class Report:
    """One app's figures."""

    tabs: int = 0
    ok: int = 0
    errors: int = 0
    actor_errors: int = 0
    first_error: str = ""
    tabs_per_s: float = 0.0
    setup_cpu_ms_per_tab: float = 0.0
    kib_per_tab: float = 0.0
    idle_cpu_pct_per_1k: float = 0.0
    gc_max_ms: float = 0.0
    gc_pauses_over_100_ms: int = 0
    locks_over_100_ms: int = 0
    lock_holders: Counter[str] = field(default_factory=Counter)
    lock_max_ms: dict[str, float] = field(default_factory=dict)
    samples: dict[str, list[float]] = field(default_factory=dict)

    def p50_ms(self, kind: str) -> float:
        """The median round trip of one kind of event, in ms."""
        ordered = sorted(self.samples.get(kind, [])) or [math.nan]
        return ordered[len(ordered) // 2]

    def p95_ms(self, kind: str) -> float:
        """The 95th percentile (nearest rank) round trip of one kind of event, in ms."""
        ordered = sorted(self.samples.get(kind, [])) or [math.nan]
        return ordered[math.ceil(0.95 * len(ordered)) - 1]

    def describe(self, label: str) -> str:
        """The report as lines for people."""
        lines = [
            f"{label}: tabs={self.tabs} ok={self.ok} errors={self.errors} tabs_per_s={self.tabs_per_s:.0f}"
            f" setup_cpu_ms_per_tab={self.setup_cpu_ms_per_tab:.1f} kib_per_tab={self.kib_per_tab:.0f}"
            f" idle_cpu_pct_per_1k={self.idle_cpu_pct_per_1k:.1f} gc_max_ms={self.gc_max_ms:.0f}"
            f" gc_pauses_over_100_ms={self.gc_pauses_over_100_ms} actor_errors={self.actor_errors}"
            f" locks_over_100_ms={self.locks_over_100_ms}"
            f" lock_max_ms={max(self.lock_max_ms.values(), default=0.0):.0f}"
        ]
        if self.lock_holders:
            lines.append(
                f"{label}: locks_over_100_ms by event: "
                + " ".join(
                    f"{name}={count} (max {self.lock_max_ms[name]:.0f} ms)"
                    for name, count in self.lock_holders.most_common(6)
                )
            )
        if self.first_error:
            lines.append(f"{label}: first error: {self.first_error}")
        for kind, values in self.samples.items():
            lines.append(
                f"{label}: event={kind} n={len(values)} p50_ms={self.p50_ms(kind):.0f} p95_ms={self.p95_ms(kind):.0f}"
            )
        return "\n".join(lines)


async def open_tabs(
    under: AppUnderLoad,
    report: Report,
    count: int,
    open_one: Callable[[int], Awaitable[LoadTab]],
    measured: bool = True,
) -> None:
    """Open `count` tabs, SETUP_CONCURRENCY at a time; count them, their errors, rate and CPU."""
    gate = asyncio.Semaphore(SETUP_CONCURRENCY)

    async def one(index: int) -> None:
        async with gate:
            try:
                under.tabs.append(await open_one(index))
                report.ok += measured
            except Exception as exc:
                report.errors += measured
                report.first_error = report.first_error or f"{type(exc).__name__}: {exc}"

    before, started = under.usage(), time.perf_counter()
    await asyncio.gather(*(one(index) for index in range(count)))
    if measured:
        elapsed, after = time.perf_counter() - started, under.usage()
        report.tabs = count
        report.tabs_per_s = count / elapsed
        report.setup_cpu_ms_per_tab = (after.cpu_s - before.cpu_s) * 1000 / count
        report.kib_per_tab = (after.rss_bytes - before.rss_bytes) / 1024 / count


def read_log(under: AppUnderLoad, report: Report, offset: int) -> None:
    """The server's garbage-collection pauses and state-lock warnings since `offset`."""
    lines = under.server.lines_since(offset)
    pauses = [float(match.group(1)) for line in lines if (match := GC_PAUSE.search(line))]
    report.gc_max_ms = max(pauses, default=0.0)
    report.gc_pauses_over_100_ms = sum(pause > 100 for pause in pauses)
    for line in lines:
        if held := LOCK_HELD.search(line):
            # Named by the event that held the lock, else by the state it locked.
            holder = held.group(3) or f"{held.group(1).rsplit('____', 1)[-1]} (no event)"
            report.locks_over_100_ms += 1
            report.lock_holders[holder] += 1
            report.lock_max_ms[holder] = max(report.lock_max_ms.get(holder, 0.0), float(held.group(2)) * 1000)


async def measure_idle(under: AppUnderLoad, report: Report) -> None:
    """The server's CPU over IDLE_S seconds with every tab open and none sending."""
    before = under.usage()
    await asyncio.sleep(IDLE_S)
    pct = (under.usage().cpu_s - before.cpu_s) / IDLE_S * 100
    report.idle_cpu_pct_per_1k = pct / (report.tabs / 1000)


async def floor_run(under: AppUnderLoad, *, tabs: int, actors: int, rounds: int) -> Report:
    """Bare Reflex: tabs on /sign-in, each signed in by one event; then `actors` of them tick."""
    report = Report()

    async def sign_in(tab: LoadTab) -> None:
        await tab.call(f"{GATE}.sign_in", {}, lambda t: t.var(GATE, "signed_in") is True)

    async def open_one(_: int) -> LoadTab:
        return await set_up(under.server.url, "/sign-in", sign_in)

    await open_tabs(under, report, WARMUP_TABS, open_one, measured=False)
    log_from = under.server.log_size()
    await open_tabs(under, report, tabs, open_one)
    busy = random.sample(under.tabs, min(actors, len(under.tabs)))
    report.samples["tick"] = [
        ms for per_tab in await asyncio.gather(*(ticks(tab, 3 * rounds) for tab in busy)) for ms in per_tab
    ]
    await measure_idle(under, report)
    read_log(under, report, log_from)
    await asyncio.gather(*(tab.close() for tab in under.tabs))
    return report


async def ticks(tab: LoadTab, count: int) -> list[float]:
    """`count` cheapest events of bare Reflex, one after another; each round trip in ms."""
    samples = []
    for _ in range(count):
        wanted = (tab.var(GATE, "ticks") or 0) + 1
        samples.append(
            await tab.call(f"{GATE}.tick", {}, lambda t, wanted=wanted: t.var(GATE, "ticks") == wanted) * 1000
        )
    return samples


async def app_run(under: AppUnderLoad, *, tabs: int, actors: int, rounds: int) -> Report:
    """The app: signed-in tabs on /sessions, then `actors` of them busy for `rounds` rounds."""
    report = Report()
    url = under.server.url
    gate = asyncio.Semaphore(SETUP_CONCURRENCY)
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:

        async def token(index: int) -> str:
            async with gate:
                return await dev_token(http, url, f"load-{index}-{uuid.uuid4().hex[:8]}")

        # The provider's signing stands in for Clerk's: done before, not counted in the set-up.
        tokens = await asyncio.gather(*(token(index) for index in range(WARMUP_TABS + tabs)))
    await open_tabs(under, report, WARMUP_TABS, lambda index: open_signed_in(url, tokens[index]), measured=False)
    log_from = under.server.log_size()
    await open_tabs(under, report, tabs, lambda index: open_signed_in(url, tokens[WARMUP_TABS + index]))
    busy = random.sample(under.tabs, min(actors, len(under.tabs)))
    samples, failures = await act(busy, rounds)
    report.samples.update(samples)
    report.actor_errors = len(failures)
    if failures:
        report.first_error = report.first_error or f"an actor: {type(failures[0]).__name__}: {failures[0]}"
    await measure_idle(under, report)
    read_log(under, report, log_from)
    await asyncio.gather(*(tab.close() for tab in under.tabs), return_exceptions=True)
    return report
