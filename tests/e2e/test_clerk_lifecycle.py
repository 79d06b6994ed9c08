"""Clerk's user lifecycle through signed webhooks, seen by open tabs: revoked, deleted, updated."""

from __future__ import annotations

import os
import re
import time
import uuid

import httpx
import pytest
from playwright.sync_api import Page, expect

from smnb_app.web.account.deletion import DELETED, DELETED_HERE_ONLY
from tests.harness.clerk_fapi import ISSUER, user_id_for
from tests.harness.clerk_pages import sign_in_with_clerk, unique_clerk_email
from tests.harness.helpers import db_rows, eventually, user_id
from tests.harness.session_pages import TIMING_SCRIPT, appeared_at, text_seen_at, watch_appearance, watch_text
from tests.harness.workers import socket_instances
from tests.support.clerk_backend import Reply
from tests.support.svix_signing import clerk_session_event, clerk_user_deleted, clerk_user_event, signed_delivery

WITHIN_MS = 2000
ENDED = "This session was ended. Sign in again."


def deliver(app_server, event: dict, delivery_id: str | None = None, expected: str = "applied") -> float:
    """POST a signed webhook delivery to the app; the time it was sent (epoch ms)."""
    body, headers = signed_delivery(event, delivery_id=delivery_id or f"msg_{uuid.uuid4().hex}")
    sent_at = time.time() * 1000
    response = httpx.post(f"{app_server.url}/webhooks/clerk", content=body, headers=headers, timeout=10)
    assert (response.status_code, response.json()) == (200, {"ok": expected})
    return sent_at


def signed_in(clerk_page, email: str, path: str = "/dashboard") -> Page:
    page = clerk_page()
    page.add_init_script(TIMING_SCRIPT)
    sign_in_with_clerk(page, email, path)
    expect(page.get_by_test_id("protected-content")).to_be_visible()
    return page


def sids_of(app_server, email: str) -> list[str]:
    """The user's Clerk sessions, in the order they signed in (from the audit trail)."""
    rows = db_rows(
        app_server.database_url,
        "SELECT sid FROM auth_events WHERE kind = 'sign_in' AND user_id = ? ORDER BY id",
        user_id(app_server.database_url, email),
    )
    return [sid for (sid,) in rows]


def test_session_revoked_signs_that_tab_out_within_two_seconds_but_not_the_users_other_device(
    clerk_page, clerk_app_server
):
    email = unique_clerk_email("grace.hopper")
    laptop, phone = signed_in(clerk_page, email), signed_in(clerk_page, email)
    laptop_sid, _ = sids_of(clerk_app_server, email)
    watch_appearance(laptop, "sign-in-prompt")

    revoked = clerk_session_event("session.revoked", laptop_sid, user_id_for(email))
    sent_at = deliver(clerk_app_server, revoked, delivery_id=f"msg_{laptop_sid}")

    expect(laptop.get_by_test_id("auth-error")).to_have_text(ENDED)
    assert 0 < appeared_at(laptop) - sent_at < WITHIN_MS
    deliver(clerk_app_server, revoked, delivery_id=f"msg_{laptop_sid}", expected="already applied")
    expect(phone.get_by_test_id("protected-content")).to_be_visible()
    # The stub keeps minting tokens for the revoked session: each is refused after verification.
    laptop.reload()
    expect(laptop.get_by_test_id("auth-error")).to_have_text(ENDED)
    expect(laptop.get_by_test_id("protected-content")).to_have_count(0)
    phone.reload()
    expect(phone.get_by_test_id("protected-content")).to_be_visible()


def many_tabs_on_several_workers(clerk_page, email: str, at_most: int = 12) -> list[Page]:
    """Tabs of one user until their sockets sit on at least two workers (Redis, several workers)."""
    if not os.environ.get("REFLEX_REDIS_URL"):
        pytest.skip("REFLEX_REDIS_URL is not set: one worker holds every socket (start Redis on 127.0.0.1:6379)")
    pages = [signed_in(clerk_page, email)]
    while len(socket_instances(pages)) < 2:
        assert len(pages) < at_most, "every tab's socket landed on one worker"
        pages.append(signed_in(clerk_page, email))
    return pages


def test_user_updated_shows_the_new_name_in_every_tab_on_every_worker_without_a_reload(
    clerk_page, clerk_app_server, clerk_backend
):
    email = unique_clerk_email("ada.lovelace")
    pages = many_tabs_on_several_workers(clerk_page, email)
    for page in pages:
        watch_text(page, "header-user-name", "Augusta King")
    clerk_id = user_id_for(email)
    newer = int(time.time() * 1000)
    clerk_backend.users[clerk_id].update(first_name="Augusta", last_name="King", updated_at=newer)

    sent_at = deliver(
        clerk_app_server,
        clerk_user_event("user.updated", clerk_id, first="Augusta", last="King", email=email, updated_at=newer),
    )

    for page in pages:
        expect(page.get_by_test_id("header-user-name")).to_have_text("Augusta King")
    latencies = [text_seen_at(page) - sent_at for page in pages]
    assert all(0 < latency < WITHIN_MS for latency in latencies), latencies
    assert db_rows(clerk_app_server.database_url, "SELECT name FROM users WHERE email = ?", email) == [
        ("Augusta King",)
    ]


def test_user_deleted_signs_out_every_tab_on_every_worker_and_removes_the_users_rows(clerk_page, clerk_app_server):
    email, bystander_email = unique_clerk_email("alan.turing"), unique_clerk_email("joan.clarke")
    bystander = signed_in(clerk_page, bystander_email)
    pages = many_tabs_on_several_workers(clerk_page, email)
    deleted = user_id(clerk_app_server.database_url, email)
    for page in pages:
        watch_appearance(page, "sign-in-prompt")

    sent_at = deliver(clerk_app_server, clerk_user_deleted(user_id_for(email)))

    for page in pages:
        expect(page.get_by_test_id("sign-in-prompt")).to_be_visible()
    latencies = [appeared_at(page) - sent_at for page in pages]
    assert all(0 < latency < WITHIN_MS for latency in latencies), latencies
    assert db_rows(clerk_app_server.database_url, "SELECT id FROM users WHERE id = ?", deleted) == []
    assert db_rows(clerk_app_server.database_url, "SELECT id FROM sessions WHERE user_id = ?", deleted) == []
    expect(bystander.get_by_test_id("protected-content")).to_be_visible()


def test_a_signed_webhook_with_fields_of_other_types_is_400_and_changes_nothing(clerk_page, clerk_app_server):
    email = unique_clerk_email("mary.somerville")
    signed_in(clerk_page, email)
    before = db_rows(clerk_app_server.database_url, "SELECT * FROM users WHERE email = ?", email)
    hostile = clerk_user_event(
        "user.updated", user_id_for(email), first="Mallory", email=email, updated_at=int(time.time() * 1000)
    )
    hostile["data"]["email_addresses"] = 5
    body, headers = signed_delivery(hostile, delivery_id=f"msg_{uuid.uuid4().hex}")

    response = httpx.post(f"{clerk_app_server.url}/webhooks/clerk", content=body, headers=headers, timeout=10)

    assert response.status_code == 400 and "email_addresses" in response.json()["error"]
    assert db_rows(clerk_app_server.database_url, "SELECT * FROM users WHERE email = ?", email) == before


def delete_my_account(page: Page, email: str) -> None:
    page.get_by_test_id("delete-account").click()
    page.get_by_test_id("delete-account-confirm").fill(email)
    page.get_by_test_id("delete-account-submit").click()


def test_deleting_my_account_deletes_it_at_clerk_and_here_and_signs_out_my_other_device(
    clerk_page, clerk_app_server, clerk_backend
):
    email = unique_clerk_email("ada.byron")
    page, other_device = signed_in(clerk_page, email), signed_in(clerk_page, email)
    clerk_id, leaving = user_id_for(email), user_id(clerk_app_server.database_url, email)

    delete_my_account(page, email)

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_test_id("auth-error")).to_have_text(DELETED)
    expect(other_device.get_by_test_id("sign-in-prompt")).to_be_visible()
    assert clerk_id not in clerk_backend.users
    assert db_rows(clerk_app_server.database_url, "SELECT id FROM users WHERE id = ?", leaving) == []
    assert db_rows(
        clerk_app_server.database_url,
        "SELECT reason FROM revocations WHERE kind = 'user' AND value = ?",
        f"{ISSUER}|{clerk_id}",
    ) == [("account_deleted",)]


def test_deleting_my_account_when_clerk_fails_deletes_it_here_says_so_and_deletes_it_at_clerk_once_clerk_answers(
    clerk_page, clerk_app_server, clerk_backend
):
    email = unique_clerk_email("edith.clarke")
    page = signed_in(clerk_page, email)
    clerk_id, leaving = user_id_for(email), user_id(clerk_app_server.database_url, email)
    # Every attempt of the first call (one and two retries) fails; the background retry succeeds.
    clerk_backend.script("DELETE", f"/v1/users/{clerk_id}", *[Reply(503)] * 3)

    delete_my_account(page, email)

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_test_id("auth-error")).to_have_text(DELETED_HERE_ONLY)
    expect(page.get_by_test_id("sign-in-prompt")).to_be_visible()
    assert db_rows(clerk_app_server.database_url, "SELECT id FROM users WHERE id = ?", leaving) == []
    assert db_rows(clerk_app_server.database_url, "SELECT id FROM sessions WHERE user_id = ?", leaving) == []
    eventually(lambda: clerk_id in clerk_backend.users, False)
    eventually(
        lambda: db_rows(
            clerk_app_server.database_url,
            "SELECT reason FROM revocations WHERE kind = 'user' AND value = ?",
            f"{ISSUER}|{clerk_id}",
        ),
        [("account_deleted",)],
    )
    # The stub's Frontend API keeps minting tokens for the deleted user's session: none counts.
    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    expect(page.get_by_test_id("protected-content")).to_have_count(0)
