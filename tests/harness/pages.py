"""Watched browser pages: every uncaught error, console error or CSP violation of a page is collected."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page

from tests.harness.helpers import CSP_VIOLATION_SCRIPT, remember_tokens


class PageErrors:
    """Collects uncaught page errors and console errors of every page a test opens."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.allowed: list[str] = []

    def allow(self, text: str) -> None:
        """Tolerate errors containing `text`, for a test that provokes them on purpose."""
        self.allowed.append(text)

    def watch(self, page: Page) -> Page:
        """Collect `page`'s errors from now on, and remember the session tokens it receives."""
        page.add_init_script(CSP_VIOLATION_SCRIPT)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        page.on("console", self._console)
        page.on("response", remember_tokens)
        return page

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def unexpected(self) -> list[str]:
        """The errors no `allow` excuses."""
        return [error for error in self.errors if not any(text in error for text in self.allowed)]


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
