"""Browser-test fixtures: the real app in production mode, Debian's Chromium, strict error checks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.app_server import CHROMIUM_FLAGS, AppServer, chromium_path, start_app

# Clerk mode's fixtures, for every module that uses them (one clerk-mode app per run).
from tests.e2e.clerk_fixtures import clerk_app_server, clerk_backend, clerk_page, fapi  # noqa: F401
from tests.e2e.helpers import CSP_VIOLATION_SCRIPT, SECRETS, remember_tokens

# The production shape's fixture, for the fault tests (one shape per run).
from tests.e2e.production import production_shape  # noqa: F401

expect.set_options(timeout=15_000)


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


# The fixtures that run an app; every app a test uses has its log checked.
APP_FIXTURES = ("app_server", "clerk_app_server", "production_shape")


@pytest.fixture(autouse=True)
def fail_on_server_errors(request: pytest.FixtureRequest, allowed_server_errors: tuple[str, ...]) -> Iterator[None]:
    """Fail a browser test when a server it used logged an error, or a token or email, while it ran."""
    servers: list[AppServer] = [request.getfixturevalue(name) for name in APP_FIXTURES if name in request.fixturenames]
    offsets = [server.log_size() for server in servers]
    secrets_before = len(SECRETS)
    yield
    errors = [
        error
        for server, offset in zip(servers, offsets)
        for error in server.errors_since(offset, allowed_server_errors)
    ]
    assert not errors, "the server logged errors:\n" + "\n".join(errors[:20])
    leaks = [
        leak
        for server, offset in zip(servers, offsets)
        for leak in server.secrets_since(offset, SECRETS[secrets_before:])
    ]
    assert not leaks, "the server logged tokens or emails:\n" + "\n".join(leaks[:20])


class PageErrors:
    """Collects uncaught page errors and console errors of every page a test opens."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.allowed: list[str] = []

    def allow(self, text: str) -> None:
        """Tolerate errors containing `text`, for a test that provokes them on purpose."""
        self.allowed.append(text)

    def watch(self, page: Page) -> Page:
        page.add_init_script(CSP_VIOLATION_SCRIPT)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(f"console: {msg.text}"))
        page.on("response", remember_tokens)
        return page


@pytest.fixture
def page_errors() -> Iterator[PageErrors]:
    """Fails the test when any watched page reported an error."""
    collector = PageErrors()
    yield collector
    errors = [e for e in collector.errors if not any(a in e for a in collector.allowed)]
    assert not errors, "the page reported errors:\n" + "\n".join(errors[:20])


@contextmanager
def page_opener(browser: Browser, page_errors: PageErrors, base_url: str) -> Iterator[Callable[..., Page]]:
    """A function opening watched pages of `base_url`, each in a fresh context unless one is given.

    The contexts it made are closed on leaving.
    """
    contexts: list[BrowserContext] = []

    def open_page(context: BrowserContext | None = None) -> Page:
        if context is None:
            context = browser.new_context(base_url=base_url)
            contexts.append(context)
        return page_errors.watch(context.new_page())

    try:
        yield open_page
    finally:
        for context in contexts:
            context.close()


@pytest.fixture
def new_page(browser: Browser, page_errors: PageErrors, app_server: AppServer) -> Iterator[Callable[..., Page]]:
    """Opens pages in fresh browser contexts (separate browsers, as far as the app can tell)."""
    with page_opener(browser, page_errors, app_server.url) as open_page:
        yield open_page
