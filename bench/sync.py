"""How fast a change in one tab reaches the user's other tabs (live sync of /sessions).

Run with `.venv/bin/python -m bench.sync` (starts the app in production mode in a temporary
directory, like the browser tests) or `.venv/bin/python -m bench.sync http://localhost:8000`
(an app already running with the dev identity provider). For N = 2 and N = 10 it opens N tabs
of one user in one browser, renames a session in the first tab REPS times, and measures in each
other tab when the new name appeared. Both ends are read from in-page clocks
(`performance.timeOrigin + performance.now()`: the Enter key press in tab one, a
MutationObserver in the others), so the test's polling of background tabs, which Chromium
throttles, never enters the numbers.

In the same run it measures the floor: bare Reflex (`bench/floor_app`), whose tabs all link one
`rx.SharedState` and see a rename the same way, in the same state manager (Redis with its
workers when `REFLEX_REDIS_URL` is set, else disk).

Prints, per app and N, the median and p95 over every (change, tab) pair and over "all other
tabs show it" per change; the last line holds the p95 of the latter and the ratio to the floor
at N = 10, e.g. `sync_p95_ms n2=20 n10=40 floor_n10=25 ratio_n10=1.6`.
"""

from __future__ import annotations

import math
import statistics
import sys
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Browser, Page, expect, sync_playwright

from bench.budgets import raised_budgets
from bench.floor import start_floor
from tests.harness.app_server import CHROMIUM_FLAGS, chromium_path, start_app
from tests.harness.helpers import unique_email
from tests.harness.session_pages import (
    TIMING_SCRIPT,
    acted_at,
    open_sessions,
    rename,
    text_seen_at,
    watch_text,
)

TAB_COUNTS = (2, 10)
REPS = 20
SEEN_TIMEOUT_MS = 10_000


def p95(samples: list[float]) -> float:
    """The 95th percentile by nearest rank."""
    ordered = sorted(samples)
    return ordered[math.ceil(0.95 * len(ordered)) - 1]


def open_tabs(browser: Browser, url: str, count: int) -> list[Page]:
    """`count` tabs of one new user on /sessions, in one browser context."""
    context = browser.new_context(base_url=url)
    context.add_init_script(TIMING_SCRIPT)
    first = context.new_page()
    open_sessions(first, email=unique_email("bench"), name="Bench User")
    tabs = [first]
    for _ in range(count - 1):
        tab = context.new_page()
        tab.goto("/sessions")
        expect(tab.get_by_test_id("session-row").first).to_be_visible()
        tabs.append(tab)
    return tabs


def open_floor_tabs(browser: Browser, url: str, count: int) -> list[Page]:
    """`count` tabs of the floor app, all linked to its room (each shows a name set after all joined)."""
    context = browser.new_context(base_url=url)
    context.add_init_script(TIMING_SCRIPT)
    tabs = []
    for _ in range(count):
        tab = context.new_page()
        tab.goto("/")
        expect(tab.get_by_test_id("rename-input")).to_be_visible()
        tabs.append(tab)
    ready = f"ready {uuid.uuid4().hex[:6]}"
    floor_rename(tabs[0], ready)
    for tab in tabs:
        expect(tab.get_by_test_id("session-name")).to_have_text(ready, timeout=SEEN_TIMEOUT_MS)
    return tabs


def app_rename(first: Page) -> Callable[[str], None]:
    """Renames the first session listed in `first`."""
    listed = first.get_by_test_id("session-row").first.get_attribute("data-session-id")
    assert listed is not None, "the first session row names no session"
    session_id = int(listed)
    return lambda name: rename(first, session_id, name)


def floor_rename(first: Page, name: str) -> None:
    """Sets the floor app's shared name from `first`."""
    field = first.get_by_test_id("rename-input")
    field.fill(name)
    field.press("Enter")


def measure(tabs: list[Page], reps: int, rename_to: Callable[[str], None]) -> tuple[list[float], list[float]]:
    """Per (change, other tab) latencies and per change "all others show it" latencies, in ms."""
    first, others = tabs[0], tabs[1:]
    each: list[float] = []
    everyone: list[float] = []
    for rep in range(reps):
        name = f"Bench rename {rep} {uuid.uuid4().hex[:6]}"
        for tab in others:
            watch_text(tab, "session-name", name)
        rename_to(name)
        for tab in others:
            tab.wait_for_function("() => window.__textSeenAt !== null", timeout=SEEN_TIMEOUT_MS)
        start = acted_at(first)
        latencies = [text_seen_at(tab) - start for tab in others]
        each.extend(latencies)
        everyone.append(max(latencies))
    return each, everyone


def run(label: str, browser: Browser, url: str, floor: bool) -> dict[int, float]:
    """Measure every tab count against the app (or the floor app) at `url`; print one line per count."""
    results: dict[int, float] = {}
    for count in TAB_COUNTS:
        tabs = open_floor_tabs(browser, url, count) if floor else open_tabs(browser, url, count)
        rename_to = (lambda name, first=tabs[0]: floor_rename(first, name)) if floor else app_rename(tabs[0])
        visibility = {tab.evaluate("() => document.visibilityState") for tab in tabs}
        each, everyone = measure(tabs, REPS, rename_to)
        print(
            f"{label} n={count} reps={REPS} visibility={','.join(sorted(visibility))}"
            f" per_tab_median_ms={statistics.median(each):.0f} per_tab_p95_ms={p95(each):.0f}"
            f" all_tabs_median_ms={statistics.median(everyone):.0f} all_tabs_p95_ms={p95(everyone):.0f}",
            flush=True,
        )
        results[count] = p95(everyone)
        tabs[0].context.close()
    return results


def measure_both(app_url: str, floor_url: str) -> tuple[dict[int, float], dict[int, float]]:
    """The app's and the floor's results, measured in one browser, floor first."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        floor = run("floor", browser, floor_url, floor=True)
        app = run("app", browser, app_url, floor=False)
        browser.close()
    return app, floor


def main() -> None:
    """Measure the app at the URL given (or one started for the run) beside a floor app started for the run."""
    with tempfile.TemporaryDirectory(prefix="smnb-bench-") as workdir:
        floor_server = start_floor(Path(workdir) / "floor")
        app_server = None if len(sys.argv) > 1 else start_app(Path(workdir), extra_env=raised_budgets("sync"))
        try:
            app, floor = measure_both(sys.argv[1] if app_server is None else app_server.url, floor_server.url)
        finally:
            floor_server.stop()
            if app_server is not None:
                app_server.stop()
    ratio = app[10] / max(floor[10], 1.0)
    print(
        "sync_p95_ms "
        + " ".join(f"n{count}={app[count]:.0f}" for count in TAB_COUNTS)
        + f" floor_n10={floor[10]:.0f} ratio_n10={ratio:.2f}"
    )


if __name__ == "__main__":
    main()
