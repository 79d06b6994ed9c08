"""How fast a change in one tab reaches the user's other tabs (live sync of /sessions).

Run with `.venv/bin/python bench/sync.py` (starts the app in production mode in a temporary
directory, like the browser tests) or `.venv/bin/python bench/sync.py http://localhost:8000`
(an app already running with the dev identity provider). For N = 2 and N = 10 it opens N tabs
of one user in one browser, renames a session in the first tab REPS times, and measures in each
other tab when the new name appeared. Both ends are read from in-page clocks
(`performance.timeOrigin + performance.now()`: the Enter key press in tab one, a
MutationObserver in the others), so the test's polling of background tabs, which Chromium
throttles, never enters the numbers.

Prints, per N, the median and p95 over every (change, tab) pair and over "all other tabs show
it" per change; the last line holds the p95 of the latter, e.g. `sync_p95_ms n2=80 n10=140`.
"""

from __future__ import annotations

import math
import statistics
import sys
import tempfile
import uuid
from pathlib import Path

from playwright.sync_api import Browser, Page, expect, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.e2e.app_server import CHROMIUM_FLAGS, chromium_path, start_app  # noqa: E402
from tests.e2e.helpers import unique_email  # noqa: E402
from tests.e2e.session_pages import (  # noqa: E402
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


def measure(tabs: list[Page], reps: int) -> tuple[list[float], list[float]]:
    """Per (change, other tab) latencies and per change "all others show it" latencies, in ms."""
    first, others = tabs[0], tabs[1:]
    session_id = int(first.get_by_test_id("session-row").first.get_attribute("data-session-id"))
    each: list[float] = []
    everyone: list[float] = []
    for rep in range(reps):
        name = f"Bench rename {rep} {uuid.uuid4().hex[:6]}"
        for tab in others:
            watch_text(tab, "session-name", name)
        rename(first, session_id, name)
        for tab in others:
            tab.wait_for_function("() => window.__textSeenAt !== null", timeout=SEEN_TIMEOUT_MS)
        start = acted_at(first)
        latencies = [text_seen_at(tab) - start for tab in others]
        each.extend(latencies)
        everyone.append(max(latencies))
    return each, everyone


def run(url: str) -> dict[int, float]:
    """Measure every tab count against the app at `url`; print one line per count."""
    results: dict[int, float] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        for count in TAB_COUNTS:
            tabs = open_tabs(browser, url, count)
            visibility = {tab.evaluate("() => document.visibilityState") for tab in tabs}
            each, everyone = measure(tabs, REPS)
            print(
                f"n={count} reps={REPS} visibility={','.join(sorted(visibility))}"
                f" per_tab_median_ms={statistics.median(each):.0f} per_tab_p95_ms={p95(each):.0f}"
                f" all_tabs_median_ms={statistics.median(everyone):.0f} all_tabs_p95_ms={p95(everyone):.0f}"
            )
            results[count] = p95(everyone)
            tabs[0].context.close()
        browser.close()
    return results


def main() -> None:
    """Measure against the URL given, or against an app started for the run."""
    if len(sys.argv) > 1:
        results = run(sys.argv[1])
    else:
        with tempfile.TemporaryDirectory(prefix="smnb-bench-") as workdir:
            server = start_app(Path(workdir))
            try:
                results = run(server.url)
            finally:
                server.stop()
    print("sync_p95_ms " + " ".join(f"n{count}={results[count]:.0f}" for count in TAB_COUNTS))


if __name__ == "__main__":
    main()
