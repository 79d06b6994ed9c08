"""Browser-test fixtures: the real app in production mode, Debian's Chromium, strict error checks.

The harness they build on (the app server, Clerk's stand-ins, the production shape, page
helpers) is the `tests.harness` package.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from smnb_app.providers.dev.issuer import TokenIssuer
from tests.harness.app_server import CHROMIUM_FLAGS, AppServer, chromium_path, free_port, start_app
from tests.harness.clerk_fapi import FRONTEND_API, ISSUER, FakeFrontendApi
from tests.harness.helpers import SECRETS
from tests.harness.pages import PageErrors, page_opener
from tests.harness.production import ShapeUnderTest, running_shape
from tests.support.auth import signing_key
from tests.support.clerk_backend import ClerkBackendServer
from tests.support.settings import publishable_key
from tests.support.svix_signing import SECRET as WEBHOOK_SECRET

expect.set_options(timeout=15_000)

# The fixtures that run an app; every app a test uses has its log checked.
APP_FIXTURES = ("app_server", "clerk_app_server", "production_shape")


@pytest.fixture(scope="session")
def app_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    """The app under test, built and served once for the whole browser suite."""
    server = start_app(Path(tmp_path_factory.mktemp("app")))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """Launch Debian's Chromium with the flags this network needs."""
    return {**browser_type_launch_args, "executable_path": chromium_path(), "args": CHROMIUM_FLAGS}


@pytest.fixture
def allowed_server_errors() -> tuple[str, ...]:
    """Server log texts a test expects (override in a test module); none by default."""
    return ()


@pytest.fixture(autouse=True)
def fail_on_server_errors(request: pytest.FixtureRequest, allowed_server_errors: tuple[str, ...]) -> Iterator[None]:
    """Fail a browser test when a server it used logged an error, or a token or email, while it ran."""
    servers: list[AppServer] = [request.getfixturevalue(name) for name in APP_FIXTURES if name in request.fixturenames]
    offsets = [server.log_size() for server in servers]
    secrets_before = len(SECRETS)
    yield
    errors = [
        error
        for server, offset in zip(servers, offsets, strict=True)
        for error in server.errors_since(offset, allowed_server_errors)
    ]
    assert not errors, "the server logged errors:\n" + "\n".join(errors[:20])
    leaks = [
        leak
        for server, offset in zip(servers, offsets, strict=True)
        for leak in server.secrets_since(offset, SECRETS[secrets_before:])
    ]
    assert not leaks, "the server logged tokens or emails:\n" + "\n".join(leaks[:20])


@pytest.fixture
def page_errors() -> Iterator[PageErrors]:
    """Fails the test when any watched page reported an error."""
    collector = PageErrors()
    yield collector
    errors = collector.unexpected()
    assert not errors, "the page reported errors:\n" + "\n".join(errors[:20])


@pytest.fixture
def new_page(browser: Browser, page_errors: PageErrors, app_server: AppServer) -> Iterator[Callable[..., Page]]:
    """Opens pages in fresh browser contexts (separate browsers, as far as the app can tell)."""
    with page_opener(browser, page_errors, app_server.url) as open_page:
        yield open_page


@pytest.fixture(scope="session")
def clerk_backend() -> Iterator[ClerkBackendServer]:
    """Clerk's Backend API: the JWKS the app verifies with and the users' profiles."""
    with ClerkBackendServer([signing_key(0)]) as server:
        yield server


@pytest.fixture(scope="session")
def clerk_app_server(
    tmp_path_factory: pytest.TempPathFactory, clerk_backend: ClerkBackendServer
) -> Iterator[AppServer]:
    """The app in clerk mode (one per run): configured only through environment variables."""
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
    browser: Browser, page_errors: PageErrors, clerk_app_server: AppServer, fapi: FakeFrontendApi
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


@pytest.fixture(scope="session")
def production_shape(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShapeUnderTest]:
    """The production shape for the fault tests (one per run); skipped without PostgreSQL and Redis."""
    with running_shape(Path(tmp_path_factory.mktemp("shape"))) as shape:
        yield shape
