"""Clerk mode's pages: signing in through the stubbed Clerk form, with emails the fake Frontend API names."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from tests.harness.helpers import SECRETS


def unique_clerk_email(name: str) -> str:
    """`first.last@<unique>.example.test`, which the fake Frontend API names First Last."""
    email = f"{name}@{uuid.uuid4().hex[:8]}.example.test"
    SECRETS.append(email)
    return email


def sign_in_with_clerk(page: Page, email: str, path: str = "/dashboard") -> None:
    """Open `path` signed out, sign in through Clerk's (stubbed) form, wait to be back."""
    page.goto(path)
    expect(page).to_have_url(re.compile(r"/sign-in\?next="))
    page.get_by_test_id("clerk-stub-sign-in-email").fill(email)
    page.get_by_test_id("clerk-stub-sign-in-submit").click()
