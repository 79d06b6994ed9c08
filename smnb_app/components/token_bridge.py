"""The token bridge: a React component that hands every fresh session token to the server.

Both providers honour one contract: `on_token` receives each fresh token, "" on sign-out, and
`window.smnbAuth.signOut()` signs the browser out of the provider.
"""

from __future__ import annotations

import reflex as rx
from reflex.event import passthrough_event_spec

from smnb_app.clerk_config import CLERK_REACT_PACKAGE
from smnb_app.settings import DEV_ISSUER_PATH, get_settings


class DevTokenBridge(rx.Component):
    """The dev identity provider's browser half (see `dev_auth.jsx`)."""

    library = rx.asset("dev_auth.jsx", shared=True).importable_path
    tag = "DevTokenBridge"

    issuer_url: rx.Var[str]
    on_token: rx.EventHandler[passthrough_event_spec(str)]


class ClerkTokenBridge(rx.Component):
    """Forwards Clerk's session tokens (see `clerk_bridge.jsx`); needs `ClerkProvider` above it."""

    library = rx.asset("clerk_bridge.jsx", shared=True).importable_path
    tag = "ClerkTokenBridge"
    lib_dependencies: list[str] = [CLERK_REACT_PACKAGE]

    # Changes with every websocket connection, so a reconnect re-sends the token.
    connection_id: rx.Var[str]
    on_token: rx.EventHandler[passthrough_event_spec(str)]


def token_bridge(on_token: rx.EventHandler) -> rx.Component:
    """The bridge of the configured identity provider.

    Args:
        on_token: Receives each fresh session token, or "" on sign-out.

    Returns:
        The bridge component; it renders nothing visible.
    """
    settings = get_settings()
    if settings.auth_provider == "clerk":
        return ClerkTokenBridge.create(connection_id=rx.State.router.session.session_id, on_token=on_token)
    return DevTokenBridge.create(issuer_url=settings.backend_url + DEV_ISSUER_PATH, on_token=on_token)
