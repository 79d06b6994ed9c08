"""Where a tab goes as its sign-in changes, and the sign-in and sign-out buttons: a mixin of `AuthState`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import reflex as rx

from smnb_app.net.next_path import SIGN_IN_PATH, SIGN_UP_PATH, safe_next_path
from smnb_app.web.signin.rules import is_protected, sign_in_url

# The provider's refusals are one short sentence; a forged event gets no bigger stage.
MAX_ERROR_LENGTH = 200


class AuthPages(rx.State, mixin=True):
    """Redirects between the protected pages and sign-in, and the sign-in form's events."""

    if TYPE_CHECKING:
        # Provided by `AuthState`, the state this mixin is part of.
        is_loading: bool
        is_authenticated: bool
        auth_error: str

        def _verified_user_id(self) -> int | None: ...
        def _signed_out(self) -> rx.event.EventSpec | None: ...

    def _sign_in_redirect(self) -> rx.event.EventSpec | None:
        url = self.router.url
        return rx.redirect(sign_in_url(url.path, url.query)) if is_protected(url.path) else None

    def _on_sign_in_page(self) -> bool:
        return self.router.url.path.rstrip("/") in (SIGN_IN_PATH, SIGN_UP_PATH)

    def _to_next(self) -> rx.event.EventSpec:
        return rx.redirect(safe_next_path(self.router.url.query_parameters.get("next")))

    @rx.event
    def check_access(self):
        """On loading a page: drop an expired session and send each user where they belong.

        Signed-out users on a protected page go to sign in; signed-in users on a sign-in page go
        on to where they were going (`next`).
        """
        if self._verified_user_id() is not None and self._on_sign_in_page():
            return self._to_next()
        if not self.is_loading and not self.is_authenticated:
            return self._sign_in_redirect()
        return None

    @rx.event
    def sign_out(self):
        """Sign this tab out on the server (the button also signs the browser out of the provider)."""
        self._signed_out()
        return rx.redirect(SIGN_IN_PATH)

    @rx.event
    def dev_sign_in_failed(self, error: str):
        """Show the dev provider's refusal of a sign-in; success continues in `set_session_token`.

        Args:
            error: The provider's message.
        """
        shown = error[:MAX_ERROR_LENGTH] if isinstance(error, str) and error else ""
        self.auth_error = shown or "Sign-in failed. Try again."
