"""Reflex wrappers of Clerk's React SDK: the provider, sign-in, sign-up, the user button, the token bridge."""

from __future__ import annotations

from typing import Any, Literal

import reflex as rx
from reflex.event import passthrough_event_spec
from reflex.vars import VarData

from smnb_app.config.clerk import CLERK_REACT_PACKAGE
from smnb_app.net.next_path import DEFAULT_AFTER_SIGN_IN, SAFE_NEXT_PATH_JS, SIGN_IN_PATH, SIGN_UP_PATH

# Where sign-in and sign-up go afterwards: the page's `next` parameter when it is a path on this
# site (the rule the server applies, see `smnb_app.net.next_path`), else the dashboard.
# Evaluated in the browser; the build's prerender has no window.
AFTER_SIGN_IN_URL = rx.Var(
    f"{SAFE_NEXT_PATH_JS}"
    "(typeof window === 'undefined' ? null : new URLSearchParams(window.location.search).get('next'))",
    _var_type=str,
)

# Clerk navigates (after sign-in, sign-up, sign-out) through the app's router, without a reload,
# once the token bridge has sent the server Clerk's new session (see bridge.jsx).
_NAVIGATE = VarData(
    imports={"react-router": [rx.ImportVar(tag="useNavigate")]},
    hooks={"const smnbNavigate = useNavigate();": None},
)
ROUTER_PUSH = rx.Var("(async (to) => { await window.smnbAuth?.synced?.(); smnbNavigate(to); })", _var_data=_NAVIGATE)
ROUTER_REPLACE = rx.Var(
    "(async (to) => { await window.smnbAuth?.synced?.(); smnbNavigate(to, { replace: true }); })",
    _var_data=_NAVIGATE,
)

Routing = Literal["hash", "path"]


class ClerkComponent(rx.Component):
    """A component of `@clerk/react`."""

    library = CLERK_REACT_PACKAGE


class ClerkProvider(ClerkComponent):
    """Loads Clerk's browser SDK and UI bundle, and shares the Clerk session with every component below it."""

    tag = "ClerkProvider"

    # @clerk/react 6 takes a self-hosted script's URL or version only from these internal names;
    # Reflex's camel case (`clerkJsUrl`), like v5's `clerkJSUrl`, would be silently ignored.
    _rename_props = {
        "clerkJsUrl": "__internal_clerkJSUrl",
        "clerkJsVersion": "__internal_clerkJSVersion",
        "clerkUiUrl": "__internal_clerkUIUrl",
    }

    publishable_key: rx.Var[str]
    clerk_js_url: rx.Var[str]
    clerk_js_version: rx.Var[str]
    clerk_ui_url: rx.Var[str]
    sign_in_url: rx.Var[str]
    sign_up_url: rx.Var[str]
    after_sign_out_url: rx.Var[str]
    sign_in_fallback_redirect_url: rx.Var[str]
    sign_up_fallback_redirect_url: rx.Var[str]
    appearance: rx.Var[dict[str, Any]]
    telemetry: rx.Var[bool]
    router_push: rx.Var[Any]
    router_replace: rx.Var[Any]


class ClerkForm(ClerkComponent):
    """Props shared by Clerk's sign-in and sign-up forms."""

    routing: rx.Var[Routing]
    force_redirect_url: rx.Var[str]
    fallback_redirect_url: rx.Var[str]
    appearance: rx.Var[dict[str, Any]]


class SignIn(ClerkForm):
    """Clerk's sign-in form, with its MFA and password-reset steps."""

    tag = "SignIn"

    sign_up_url: rx.Var[str]


class SignUp(ClerkForm):
    """Clerk's sign-up form."""

    tag = "SignUp"

    sign_in_url: rx.Var[str]


class UserButton(ClerkComponent):
    """Clerk's avatar button with the account menu (manage account, sign out)."""

    tag = "UserButton"

    show_name: rx.Var[bool]
    appearance: rx.Var[dict[str, Any]]


class ClerkTokenBridge(rx.Component):
    """Forwards Clerk's session tokens (see `bridge.jsx`); needs `ClerkProvider` above it."""

    library = rx.asset("bridge.jsx", shared=True).importable_path
    tag = "ClerkTokenBridge"
    lib_dependencies: list[str] = [CLERK_REACT_PACKAGE]

    # Changes with every websocket connection, so a reconnect re-sends the token.
    connection_id: rx.Var[str]
    on_token: rx.EventHandler[passthrough_event_spec(str)]


class ClerkFailed(ClerkComponent):
    """Renders its children only when Clerk's browser SDK failed to load."""

    tag = "ClerkFailed"


def clerk_provider(
    publishable_key: str, clerk_js_url: str | None = None, clerk_ui_url: str | None = None
) -> rx.Component:
    """The provider around the whole app, configured for this app's pages.

    Args:
        publishable_key: The instance's `pk_test_...`/`pk_live_...` key.
        clerk_js_url: Where to load Clerk's browser SDK (clerk-js) from; the Frontend API's
            copy when None.
        clerk_ui_url: Where to load Clerk's UI bundle (@clerk/ui) from; the Frontend API's copy
            when None.

    Returns:
        The provider; the app's other wraps and pages become its children.
    """
    urls = {"clerk_js_url": clerk_js_url, "clerk_ui_url": clerk_ui_url}
    optional = {name: url for name, url in urls.items() if url}
    return ClerkProvider.create(
        publishable_key=publishable_key,
        sign_in_url=SIGN_IN_PATH,
        sign_up_url=SIGN_UP_PATH,
        after_sign_out_url=SIGN_IN_PATH,
        sign_in_fallback_redirect_url=DEFAULT_AFTER_SIGN_IN,
        sign_up_fallback_redirect_url=DEFAULT_AFTER_SIGN_IN,
        telemetry=False,
        router_push=ROUTER_PUSH,
        router_replace=ROUTER_REPLACE,
        **optional,
    )


def sign_in_form() -> rx.Component:
    """Clerk's sign-in on `/sign-in`, returning to `?next=` afterwards."""
    return SignIn.create(routing="hash", sign_up_url=SIGN_UP_PATH, force_redirect_url=AFTER_SIGN_IN_URL)


def sign_up_form() -> rx.Component:
    """Clerk's sign-up on `/sign-up`, returning to `?next=` afterwards."""
    return SignUp.create(routing="hash", sign_in_url=SIGN_IN_PATH, force_redirect_url=AFTER_SIGN_IN_URL)


def clerk_failed_notice() -> rx.Component:
    """What the sign-in pages say when Clerk's browser SDK cannot be loaded."""
    return ClerkFailed.create(
        rx.callout(
            "The sign-in service could not be loaded. Check your connection and reload the page.",
            icon="triangle_alert",
            color_scheme="red",
            data_testid="clerk-failed",
        )
    )
