"""What an identity provider gives the app: one interface, implemented by `dev/` and `clerk/`.

The app asks its provider, chosen once from the settings (`smnb_app.providers.provider_for`),
for everything that differs between providers: how tokens are verified, the browser bridge
that hands tokens to the server, the sign-in and sign-up content, routes to mount, how a user's
sessions end, the hosts its pages may load, and the header's user widget. No other module
compares `auth_provider`.

Every bridge honours one browser contract: `on_token` receives each fresh token ("" on
sign-out), and `window.smnbAuth.signOut()` signs the browser out of the provider.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar

import reflex as rx
from starlette.applications import Starlette
from starlette.types import ASGIApp

from smnb_app.auth import VerifierConfig
from smnb_app.config.settings import Settings
from smnb_app.net.security_headers import PolicySources
from smnb_app.providers.clerk.api import ClerkBackendApi

# Compiled into the page, so the server never sends code to run (the CSP forbids eval).
SIGN_OUT_OF_PROVIDER = rx.call_function(rx.Var("() => window.smnbAuth?.signOut()"))

AppWrap = Callable[[bool], rx.Component]
# What Reflex's `App.api_transformer` takes: an app to mount, or a wrapper of the backend.
ApiTransformer = Starlette | Callable[[ASGIApp], ASGIApp]


class IdentityProvider(ABC):
    """The app's view of one identity provider.

    Attributes:
        name: The `SMNB_AUTH_PROVIDER` value that selects it.
        remote_accounts: Accounts live at the provider: deleting one starts there (Clerk), not
            here (the dev provider keeps only sign-in sessions).
        has_sign_up: The provider has a sign-up page of its own (`/sign-up`).
    """

    name: ClassVar[str]
    remote_accounts: ClassVar[bool] = False
    has_sign_up: ClassVar[bool] = False

    def __init__(self, settings: Settings, origins: tuple[str, ...]) -> None:
        self.settings = settings
        self.origins = origins

    def verifier_config(self) -> VerifierConfig:
        """How its session tokens are verified: issuer, keys, the app's origins as `azp`."""
        return VerifierConfig(
            issuer=self.settings.issuer,
            jwks_url=self.settings.jwks_url,
            authorized_parties=self.origins,
            clock_skew_s=self.settings.clock_skew_s,
        )

    def load_secrets(self) -> None:
        """Load the secrets it keeps on disk (at start-up, so an exposed file stops the app).

        Raises:
            UnsafeFileError: A stored secret is exposed.
        """
        return None

    def start_up_warnings(self) -> list[str]:
        """What an operator should know about running this provider with these settings."""
        return []

    def app_wraps(self) -> dict[tuple[int, str], AppWrap]:
        """Components around every page (Reflex's `extra_app_wraps`), keyed by order and name."""
        return {}

    def api_routes(self) -> list[ApiTransformer]:
        """Starlette routes it mounts on the backend (Reflex's `api_transformer`)."""
        return []

    def backend_api(self) -> ClerkBackendApi | None:
        """The provider's server-side API for profiles and sessions, when there is one."""
        return None

    def policy_sources(self, connect: tuple[str, ...]) -> PolicySources:
        """The hosts the pages may reach, given the app's own `connect` sources."""
        return PolicySources(connect=connect)

    @abstractmethod
    def token_bridge(self, *, on_token: Any, on_sign_in_error: Any) -> rx.Component:
        """The invisible component that hands every fresh session token to the server.

        Args:
            on_token: The event handler receiving each token, or "" on sign-out.
            on_sign_in_error: The event handler receiving a refused sign-in's reason.
        """

    @abstractmethod
    def sign_in_content(self, *, error: rx.Component) -> rx.Component:
        """What `/sign-in` shows a signed-out user.

        Args:
            error: The server's reason for refusing the last token or sign-in, shown with it.
        """

    def sign_up_content(self, *, error: rx.Component) -> rx.Component:
        """What `/sign-up` shows (only when `has_sign_up`).

        Args:
            error: The server's reason for refusing the last token or sign-in, shown with it.
        """
        raise NotImplementedError(f"the {self.name} provider has no sign-up page")

    @abstractmethod
    def user_widget(self, avatar_url: rx.Var[str]) -> rx.Component:
        """The header's picture of the signed-in user.

        Args:
            avatar_url: The user's avatar, as the server knows it.
        """

    @abstractmethod
    async def end_user_sessions(self, *, subject: str) -> list[str]:
        """End every session of a user at the provider.

        Args:
            subject: The user's id at the provider (`sub`).

        Returns:
            The session ids known to have ended.
        """
