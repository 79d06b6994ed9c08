"""How long a dev sign-in takes, from the click on "Sign in" to the protected content, in the page.

Run with `.venv/bin/python -m bench.signin` (starts the app in production mode in a temporary
directory, like the browser tests, and bare Reflex beside it; set REFLEX_REDIS_URL for Redis and
several workers). In each of RUNS fresh browser contexts it opens /sign-in?next=/dashboard,
fills the dev form and clicks, and reads in-page clocks (`performance.timeOrigin + now()`):

- `click`: the click to the first request to the dev provider (the page's own work);
- `provider`: that request to the end of the provider's last HTTP answer (the token);
- `to_server`: that answer to the websocket frame carrying the token to the server;
- `server`: that frame to the server's first reply after it (verification, the user's upsert,
  the tab's registration and counts);
- `redirect`: that reply to the navigation to the next page;
- `render`: the navigation to the protected content on screen.

The floor, in the same run: bare Reflex's `/sign-in` (`bench/floor_app`): a click whose event
sets a var and redirects to a page that shows the content, with no provider, token or database.
Prints the median of each stage and the last line `signin_p50_ms=.. signin_max_ms=..
floor_p50_ms=..`.
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path

from playwright.sync_api import Browser, expect, sync_playwright

from bench.budgets import raised_budgets
from bench.floor import start_floor
from tests.harness.app_server import CHROMIUM_FLAGS, chromium_path, start_app
from tests.harness.helpers import unique_email

RUNS = 20
STAGES = ("click", "provider", "to_server", "server", "redirect", "render")
# In-page clocks: the click, the provider's answers, the token's frame, the server's next frame,
# the navigation, and the protected content's appearance.
CLOCKS_SCRIPT = r"""
const now = () => performance.timeOrigin + performance.now();
window.__t = {};
document.addEventListener('click', () => { window.__t.click ??= now(); }, true);
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (!/\/dev-auth\/(sign-in|tokens)$/.test(new URL(entry.name).pathname)) continue;
    (window.__t.provider ??= []).push(
      [performance.timeOrigin + entry.startTime, performance.timeOrigin + entry.responseEnd]);
  }
}).observe({type: 'resource', buffered: true});
const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener('open', () => { window.__t.open = now(); });
    this.addEventListener('message', () => {
      if (window.__t.token) window.__t.reply ??= now();
    });
  }
  send(data) {
    if (typeof data === 'string' && data.includes('set_session_token') && !data.includes('"payload":{"token":""}')
        && window.__t.click) window.__t.token ??= now();
    return super.send(data);
  }
};
for (const method of ['pushState', 'replaceState']) {
  const native = history[method].bind(history);
  history[method] = (...args) => {
    if (window.__t.reply && !window.__t.navigated) window.__t.navigated = now();
    return native(...args);
  };
}
new MutationObserver(() => {
  if (!window.__t.shown && document.querySelector('[data-testid="protected-content"]')) window.__t.shown = now();
}).observe(document, {subtree: true, childList: true});
"""


def sign_in_once(browser: Browser, url: str, floor: bool) -> dict[str, float]:
    """One sign-in in a fresh context; the in-page clocks it left."""
    context = browser.new_context(base_url=url)
    context.add_init_script(CLOCKS_SCRIPT)
    page = context.new_page()
    page.goto("/sign-in" if floor else "/sign-in?next=/dashboard")
    page.wait_for_function("() => window.__t.open !== undefined")
    if not floor:
        expect(page.get_by_test_id("page-loaded")).to_be_attached()
        page.get_by_test_id("dev-sign-in-email").fill(unique_email("bench"))
        page.get_by_test_id("dev-sign-in-name").fill("Bench")
    page.get_by_test_id("dev-sign-in-submit").click()
    expect(page.get_by_test_id("protected-content")).to_be_visible(timeout=15_000)
    clocks = page.evaluate("() => window.__t")
    context.close()
    return clocks


def stages(clocks: dict) -> dict[str, float]:
    """The stage durations of one sign-in, in ms."""
    before_token = [(start, end) for start, end in clocks["provider"] if end <= clocks["token"]]
    request, answered = min(start for start, _ in before_token), max(end for _, end in before_token)
    return {
        "click": request - clocks["click"],
        "provider": answered - request,
        "to_server": clocks["token"] - answered,
        "server": clocks["reply"] - clocks["token"],
        "redirect": clocks["navigated"] - clocks["reply"],
        "render": clocks["shown"] - clocks["navigated"],
    }


def measure(browser: Browser, url: str, floor: bool) -> list[dict[str, float]]:
    """RUNS sign-ins (after one warm-up); each one's clocks."""
    sign_in_once(browser, url, floor)
    return [sign_in_once(browser, url, floor) for _ in range(RUNS)]


def main() -> None:
    """Sign in RUNS times to the app and to bare Reflex; print the stages and the last line."""
    with tempfile.TemporaryDirectory(prefix="smnb-bench-") as workdir:
        floor_server = start_floor(Path(workdir) / "floor")
        app_server = start_app(Path(workdir), extra_env=raised_budgets("signin"))
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
                floor = measure(browser, floor_server.url, floor=True)
                app = measure(browser, app_server.url, floor=False)
                browser.close()
        finally:
            floor_server.stop()
            app_server.stop()
    totals = [clocks["shown"] - clocks["click"] for clocks in app]
    floor_totals = [clocks["shown"] - clocks["click"] for clocks in floor]
    per_stage = [stages(clocks) for clocks in app]
    for stage in STAGES:
        values = [run[stage] for run in per_stage]
        print(f"stage={stage} p50_ms={statistics.median(values):.0f} max_ms={max(values):.0f}")
    print(
        f"signin_p50_ms={statistics.median(totals):.0f} signin_max_ms={max(totals):.0f}"
        f" floor_p50_ms={statistics.median(floor_totals):.0f}"
    )


if __name__ == "__main__":
    main()
