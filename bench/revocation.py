"""How fast Clerk's webhooks reach open tabs: a revoked session, a deleted user, an updated profile.

Run with `.venv/bin/python -m bench.revocation` (starts the app in Clerk mode in a temporary
directory with Clerk's browser SDK and APIs faked, like the browser tests; set REFLEX_REDIS_URL
for several workers). For ROUNDS rounds it signs a new user in on two devices and POSTs a signed
`session.revoked` for one of them, then signs another user in on TABS tabs and POSTs a signed
`user.updated`, then `user.deleted`; it measures, inside each page, when the sign-in prompt or the
new name appeared, against the time the delivery was sent (both epoch ms on this machine).

The floor, measured in the same run: the round trip of a delivery the app verifies and ignores
(an event type it does not use), which is what receiving a webhook costs before any of the app's
work. The last line holds the p50 and max of each, e.g.
`revoked_ms p50=40 max=80 updated_ms p50=35 max=70 deleted_ms p50=45 max=90 floor_ms p50=3 max=6`.
"""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Page, expect, sync_playwright

from bench.budgets import raised_budgets
from smnb_app.providers.dev.issuer import TokenIssuer
from tests.harness.app_server import (
    CHROMIUM_FLAGS,
    AppServer,
    chromium_path,
    free_port,
    start_app,
)
from tests.harness.clerk_fapi import FRONTEND_API, ISSUER, FakeFrontendApi, user_id_for
from tests.harness.helpers import db_rows, user_id
from tests.harness.session_pages import (
    TIMING_SCRIPT,
    appeared_at,
    text_seen_at,
    watch_appearance,
    watch_text,
)
from tests.support.auth import signing_key
from tests.support.clerk_backend import ClerkBackendServer
from tests.support.settings import publishable_key
from tests.support.svix_signing import (
    SECRET,
    clerk_session_event,
    clerk_user_deleted,
    clerk_user_event,
    signed_delivery,
)

ROUNDS = 10
TABS = 4
SEEN_TIMEOUT_MS = 10_000


# One client for the run: a new httpx client costs tens of ms (its TLS context) before it sends.
HTTP = httpx.Client(timeout=10)


def deliver(url: str, event: dict) -> tuple[float, float]:
    """POST a signed delivery; when it was sent and how long the app took to answer (ms)."""
    body, headers = signed_delivery(event, delivery_id=f"msg_{uuid.uuid4().hex}")
    sent_at = time.time() * 1000
    HTTP.post(f"{url}/webhooks/clerk", content=body, headers=headers).raise_for_status()
    return sent_at, time.time() * 1000 - sent_at


def signed_in(browser: Browser, url: str, fapi: FakeFrontendApi, email: str) -> Page:
    """A new device of the user `email` on the dashboard, signed in through the Clerk stub."""
    context = browser.new_context(base_url=url)
    context.add_init_script(TIMING_SCRIPT)
    fapi.attach(context)
    page = context.new_page()
    page.goto("/dashboard")
    page.get_by_test_id("clerk-stub-sign-in-email").fill(email)
    page.get_by_test_id("clerk-stub-sign-in-submit").click()
    expect(page.get_by_test_id("protected-content")).to_be_visible()
    return page


def wait_until(page: Page, script: str) -> None:
    page.wait_for_function(script, timeout=SEEN_TIMEOUT_MS)


def one_round(browser: Browser, server: AppServer, fapi: FakeFrontendApi, backend: ClerkBackendServer) -> dict:
    """One revoked session, one updated and deleted user; the latencies of each (ms)."""
    email = f"grace.hopper@{uuid.uuid4().hex[:8]}.example.test"
    laptop, phone = signed_in(browser, server.url, fapi, email), signed_in(browser, server.url, fapi, email)
    (laptop_sid,) = db_rows(
        server.database_url,
        "SELECT sid FROM auth_events WHERE kind = 'sign_in' AND user_id = ? ORDER BY id LIMIT 1",
        user_id(server.database_url, email),
    )[0]
    watch_appearance(laptop, "sign-in-prompt")
    sent_at, _ = deliver(server.url, clerk_session_event("session.revoked", laptop_sid, user_id_for(email)))
    wait_until(laptop, "() => window.__appearedAt !== null")
    revoked = appeared_at(laptop) - sent_at
    for page in (laptop, phone):
        page.context.close()

    email = f"ada.lovelace@{uuid.uuid4().hex[:8]}.example.test"
    tabs = [signed_in(browser, server.url, fapi, email) for _ in range(TABS)]
    clerk_id, newer = user_id_for(email), int(time.time() * 1000)
    backend.users[clerk_id].update(first_name="Augusta", last_name="King", updated_at=newer)
    for tab in tabs:
        watch_text(tab, "header-user-name", "Augusta King")
    sent_at, _ = deliver(
        server.url,
        clerk_user_event("user.updated", clerk_id, first="Augusta", last="King", email=email, updated_at=newer),
    )
    for tab in tabs:
        wait_until(tab, "() => window.__textSeenAt !== null")
    updated = max(text_seen_at(tab) - sent_at for tab in tabs)
    for tab in tabs:
        watch_appearance(tab, "sign-in-prompt")
    sent_at, _ = deliver(server.url, clerk_user_deleted(clerk_id))
    for tab in tabs:
        wait_until(tab, "() => window.__appearedAt !== null")
    deleted = max(appeared_at(tab) - sent_at for tab in tabs)
    for tab in tabs:
        tab.context.close()
    _, floor = deliver(server.url, {"type": "organization.created", "data": {}})
    return {"revoked": revoked, "updated": updated, "deleted": deleted, "floor": floor}


def main() -> None:
    """Start the app in Clerk mode, measure ROUNDS rounds, print one line per round and a summary."""
    with tempfile.TemporaryDirectory(prefix="smnb-bench-") as workdir, ClerkBackendServer([signing_key(0)]) as backend:
        port = free_port()
        server = start_app(
            Path(workdir),
            port=port,
            extra_env={
                **raised_budgets("revocation"),
                "SMNB_AUTH_PROVIDER": "clerk",
                "CLERK_PUBLISHABLE_KEY": publishable_key(FRONTEND_API),
                "CLERK_SECRET_KEY": backend.secret_key,
                "CLERK_API_URL": backend.base_url,
                "CLERK_WEBHOOK_SIGNING_SECRET": SECRET,
            },
        )
        fapi = FakeFrontendApi(backend, TokenIssuer(ISSUER, signing_key(0), azp=server.url, lifetime_s=60))
        samples: dict[str, list[float]] = {"revoked": [], "updated": [], "deleted": [], "floor": []}
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
                for round_number in range(ROUNDS):
                    result = one_round(browser, server, fapi, backend)
                    print(f"round={round_number} " + " ".join(f"{k}_ms={v:.0f}" for k, v in result.items()))
                    for key, value in result.items():
                        samples[key].append(value)
                browser.close()
        finally:
            server.stop()
    print(
        " ".join(
            f"{key}_ms p50={statistics.median(values):.0f} max={max(values):.0f}" for key, values in samples.items()
        )
    )


if __name__ == "__main__":
    main()
