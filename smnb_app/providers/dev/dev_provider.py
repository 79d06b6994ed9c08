"""The embedded dev identity provider behind the app's provider interface."""

from __future__ import annotations

import asyncio
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

import reflex as rx

from smnb_app.config.providers import DEV_ISSUER_PATH
from smnb_app.providers.base import ApiTransformer, IdentityProvider
from smnb_app.providers.dev.bridge import DevTokenBridge
from smnb_app.providers.dev.provider import DevIdentityProvider
from smnb_app.providers.dev.routes import DevRoutePolicy, dev_auth_routes
from smnb_app.providers.dev.sign_in import dev_sign_in_card

DEV_IN_PRODUCTION = (
    "the passwordless dev sign-in runs in production mode (SMNB_ALLOW_DEV_AUTH_IN_PROD=1); "
    "anyone who reaches it can sign in as anyone it is allowed to answer"
)


class DevProvider(IdentityProvider):
    """Signs people in on this machine: its issuer, key and sign-in store live under `.smnb/`."""

    name: ClassVar[str] = "dev"

    @cached_property
    def issuer(self) -> DevIdentityProvider:
        """The issuer of the dev provider's tokens (loading its key on first use)."""
        key_path = Path(self.settings.dev_key_path)
        return DevIdentityProvider(
            issuer=self.settings.issuer,
            key_path=key_path,
            store_path=key_path.with_name("dev_sessions.sqlite3"),
            lifetime_s=self.settings.dev_token_lifetime_s,
        )

    def load_secrets(self) -> None:
        """Load the issuer's signing key and sign-in store."""
        _ = self.issuer

    def start_up_warnings(self) -> list[str]:
        """The dev sign-in in production mode lets anyone it answers sign in as anyone."""
        return [DEV_IN_PRODUCTION] if self.settings.production else []

    def api_routes(self) -> list[ApiTransformer]:
        """The issuer's sign-in, refresh and JWKS routes under `/dev-auth`."""
        policy = DevRoutePolicy(
            origins=self.origins,
            trusted_proxies=self.settings.trusted_proxies,
            allow_remote=self.settings.dev_auth_allow_remote,
        )
        return [dev_auth_routes(lambda: self.issuer, prefix=DEV_ISSUER_PATH, policy=policy)]

    def token_bridge(self, *, on_token: Any, on_sign_in_error: Any) -> rx.Component:
        """The dev bridge: signs in through the issuer's routes and refreshes the token."""
        return DevTokenBridge.create(
            issuer_url=self.settings.backend_url + DEV_ISSUER_PATH,
            connection_id=rx.State.router.session.session_id,
            on_token=on_token,
            on_sign_in_error=on_sign_in_error,
        )

    def sign_in_content(self, *, error: rx.Component) -> rx.Component:
        """The email-and-name card."""
        return dev_sign_in_card(error)

    def user_widget(self, avatar_url: rx.Var[str]) -> rx.Component:
        """The user's avatar."""
        return rx.avatar(src=avatar_url, fallback="?", size="2", radius="full")

    async def end_user_sessions(self, *, subject: str) -> list[str]:
        """End the user's sessions at the issuer: it refreshes none of their tokens again."""
        return await asyncio.to_thread(self.issuer.revoke_user_sessions, user_id=subject)
