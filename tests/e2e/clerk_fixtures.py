"""Clerk mode's fixtures, shared by its test modules: one clerk-mode app per run, its fakes, its pages."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from smnb_app.providers.dev.issuer import TokenIssuer
from tests.e2e.app_server import AppServer, free_port, start_app
from tests.e2e.clerk_fapi import FRONTEND_API, ISSUER, FakeFrontendApi, user_id_for
from tests.e2e.helpers import SECRETS
from tests.support.auth import signing_key
from tests.support.clerk_backend import ClerkBackendServer
from tests.support.settings import publishable_key
from tests.support.svix_signing import SECRET as WEBHOOK_SECRET

if TYPE_CHECKING:
    from tests.e2e.conftest import PageErrors

__all__ = [
    "clerk_app_server",
    "clerk_backend",
    "clerk_page",
    "fapi",
    "sign_in_with_clerk",
    "unique_clerk_email",
    "user_id_for",
]


@pytest.fixture(scope="session")
def clerk_backend() -> Iterator[ClerkBackendServer]:
    """Clerk's Backend API: the JWKS the app verifies with and the users' profiles."""
    with ClerkBackendServer([signing_key(0)]) as server:
        yield server


@pytest.fixture(scope="session")
def clerk_app_server(
    tmp_path_factory: pytest.TempPathFactory, clerk_backend: ClerkBackendServer
) -> Iterator[AppServer]:
    """The app in clerk mode: configured only through environment variables."""
    port = free_port()
    server = start_app(
        Path(tmp_path_factory.mktemp("clerk-app")),
        port=port,
        extra_env={
            "SMNB_AUTH_PROVIDER": "clerk",
            "CLERK_PUBLISHABLE_KEY": publishable_key(FRONTEND_API),
            "CLERK_SECRET_KEY": clerk_backend.secret_key,
            "CLERK_API_URL": clerk_backend.base_url,
            "CLERK_AUTHORIZED_PARTIES": f"http://localhost:{port}",
            "CLERK_WEBHOOK_SIGNING_SECRET": WEBHOOK_SECRET,
        },
    )
    yield server
    server.stop()


@pytest.fixture
def fapi(clerk_backend: ClerkBackendServer, clerk_app_server: AppServer) -> FakeFrontendApi:
    """The Frontend API of the stub, signing 10-second tokens as the configured instance."""
    return FakeFrontendApi(clerk_backend, TokenIssuer(ISSUER, signing_key(0), azp=clerk_app_server.url, lifetime_s=10))


@pytest.fixture
def clerk_page(
    browser: Browser, page_errors: "PageErrors", clerk_app_server: AppServer, fapi: FakeFrontendApi
) -> Iterator[Callable[[], Page]]:
    """Opens pages of the clerk-mode app, each in its own browser, with Clerk routed to the stub."""
    contexts: list[BrowserContext] = []

    def open_page() -> Page:
        context = browser.new_context(base_url=clerk_app_server.url)
        fapi.attach(context)
        contexts.append(context)
        return page_errors.watch(context.new_page())

    yield open_page
    for context in contexts:
        context.close()


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
