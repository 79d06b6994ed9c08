"""Clerk behind the app's provider interface: its SDK in the browser, its keys and API on the server."""

from __future__ import annotations

from dataclasses import replace
from functools import cached_property
from typing import Any, ClassVar

import reflex as rx

from smnb_app.auth import VerifierConfig
from smnb_app.config.clerk import frontend_api_from_publishable_key
from smnb_app.net.origins import origin_of
from smnb_app.net.security_headers import PolicySources
from smnb_app.providers.base import AppWrap, IdentityProvider
from smnb_app.providers.clerk.api import ClerkApiError, ClerkBackendApi
from smnb_app.providers.clerk.components import (
    ClerkTokenBridge,
    UserButton,
    clerk_failed_notice,
    clerk_provider,
    sign_in_form,
    sign_up_form,
)

# Clerk's bot protection (Cloudflare Turnstile) and avatar host, as Clerk's CSP guide lists them.
CLERK_CHALLENGES = "https://challenges.cloudflare.com"
CLERK_IMAGES = "https://img.clerk.com"


class MissingSecretKey(ClerkApiError):
    """The action needs Clerk's Backend API, and CLERK_SECRET_KEY is not set."""


class ClerkProvider(IdentityProvider):
    """Clerk signs people in; the server verifies its session tokens and may call its Backend API."""

    name: ClassVar[str] = "clerk"
    remote_accounts: ClassVar[bool] = True
    has_sign_up: ClassVar[bool] = True

    def verifier_config(self) -> VerifierConfig:
        """Clerk's PEM key (networkless) or JWKS, fetched with the secret key when there is one."""
        return replace(
            super().verifier_config(), jwt_key=self.settings.clerk_jwt_key, secret_key=self.settings.clerk_secret_key
        )

    def app_wraps(self) -> dict[tuple[int, str], AppWrap]:
        """Clerk's provider above the token bridge and every page, so both see the Clerk session."""
        settings = self.settings
        return {
            (10, "ClerkProvider"): lambda _: clerk_provider(
                settings.clerk_publishable_key or "", settings.clerk_js_url, settings.clerk_ui_url
            )
        }

    @cached_property
    def _api(self) -> ClerkBackendApi | None:
        if not self.settings.clerk_secret_key:
            return None
        return ClerkBackendApi(self.settings.clerk_secret_key, api_url=self.settings.clerk_api_url)

    def backend_api(self) -> ClerkBackendApi | None:
        """Clerk's Backend API client, when a secret key is configured."""
        return self._api

    def policy_sources(self, connect: tuple[str, ...]) -> PolicySources:
        """Also the Frontend API, clerk-js and UI script hosts, bot protection and avatars."""
        settings = self.settings
        frontend_api = "https://" + frontend_api_from_publishable_key(settings.clerk_publishable_key or "")
        scripts = [frontend_api, CLERK_CHALLENGES]
        scripts.extend(origin_of(url) for url in (settings.clerk_js_url, settings.clerk_ui_url) if url)
        return PolicySources(
            connect=(*connect, frontend_api),
            script=tuple(dict.fromkeys(scripts)),
            frame=(CLERK_CHALLENGES,),
            image=(CLERK_IMAGES,),
        )

    def token_bridge(self, *, on_token: Any, on_sign_in_error: Any) -> rx.Component:
        """Forwards Clerk's tokens; sign-in errors are Clerk's own to show."""
        return ClerkTokenBridge.create(connection_id=rx.State.router.session.session_id, on_token=on_token)

    def sign_in_content(self, *, error: rx.Component) -> rx.Component:
        """Clerk's sign-in form."""
        return _clerk_panel(error, sign_in_form(), "sign-in-prompt")

    def sign_up_content(self, *, error: rx.Component) -> rx.Component:
        """Clerk's sign-up form."""
        return _clerk_panel(error, sign_up_form(), "sign-up-prompt")

    def user_widget(self, avatar_url: rx.Var[str]) -> rx.Component:
        """Clerk's `UserButton`, with its account menu."""
        return rx.box(UserButton.create(), data_testid="user-button")

    async def end_user_sessions(self, *, subject: str) -> list[str]:
        """Revoke every active session of the user at Clerk.

        Raises:
            MissingSecretKey: No CLERK_SECRET_KEY to call the Backend API with.
            ClerkApiError: Clerk refused or could not be reached.
        """
        api = self.backend_api()
        if api is None:
            raise MissingSecretKey("CLERK_SECRET_KEY is not set")
        return await api.revoke_all_sessions(subject)


def _clerk_panel(error: rx.Component, form: rx.Component, testid: str) -> rx.Component:
    """One of Clerk's forms (it draws its own card), with the server's and Clerk's errors above it."""
    return rx.vstack(error, clerk_failed_notice(), form, align="center", spacing="4", data_testid=testid)
