"""The token bridge: a React component that hands every fresh session token to the server.

Both providers honour one contract: `on_token` receives each fresh token, "" on sign-out, and
`window.smnbAuth.signOut()` signs the browser out of the provider.
"""

from __future__ import annotations

import reflex as rx

from smnb_app.config.settings import DEV_ISSUER_PATH, get_settings
from smnb_app.providers.clerk.components import ClerkTokenBridge
from smnb_app.providers.dev.bridge import DevTokenBridge

# Browser-side calls of the bridge's `window.smnbAuth`: functions compiled into the page, so the
# server never sends code to run (the Content-Security-Policy forbids eval).
SIGN_OUT_OF_PROVIDER = rx.call_function(rx.Var("() => window.smnbAuth?.signOut()"))
SUBMIT_DEV_SIGN_IN = rx.call_function(
    rx.Var("() => window.smnbAuth?.submitSignIn(document.getElementById('dev-sign-in-form'))")
)


def token_bridge(on_token: rx.EventHandler, on_sign_in_error: rx.EventHandler) -> rx.Component:
    """The bridge of the configured identity provider.

    Args:
        on_token: Receives each fresh session token, or "" on sign-out.
        on_sign_in_error: Receives the dev provider's refusal of a sign-in.

    Returns:
        The bridge component; it renders nothing visible.
    """
    settings = get_settings()
    if settings.auth_provider == "clerk":
        return ClerkTokenBridge.create(connection_id=rx.State.router.session.session_id, on_token=on_token)
    return DevTokenBridge.create(
        issuer_url=settings.backend_url + DEV_ISSUER_PATH,
        connection_id=rx.State.router.session.session_id,
        on_token=on_token,
        on_sign_in_error=on_sign_in_error,
    )
