"""The Reflex app: builds `rx.App`, registers the pages and mounts the dev identity provider."""

from __future__ import annotations

import reflex as rx

from smnb_app.auth.dev_routes import dev_auth_routes
from smnb_app.components.clerk import clerk_provider
from smnb_app.components.token_bridge import token_bridge
from smnb_app.db.migrate import upgrade_to_head
from smnb_app.pages.dashboard import dashboard_page
from smnb_app.pages.landing import landing_page
from smnb_app.pages.sessions import SESSIONS_ON_LOAD, sessions_page
from smnb_app.pages.sign_in import sign_in_page
from smnb_app.pages.sign_up import sign_up_page
from smnb_app.settings import DEV_ISSUER_PATH, get_settings_or_exit
from smnb_app.state.auth import AuthState
from smnb_app.state.runtime import get_dev_provider

settings = get_settings_or_exit()
upgrade_to_head()

app_wraps = {(3, "TokenBridge"): lambda _: rx.fragment(token_bridge(AuthState.set_session_token))}
if settings.auth_provider == "clerk":
    # Above the bridge and every page, so both see the Clerk session.
    app_wraps[(10, "ClerkProvider")] = lambda _: clerk_provider(settings.clerk_publishable_key, settings.clerk_js_url)
app = rx.App(
    extra_app_wraps=app_wraps,
    api_transformer=(
        dev_auth_routes(get_dev_provider(), prefix=DEV_ISSUER_PATH) if settings.auth_provider == "dev" else None
    ),
)
app.add_page(landing_page, route="/", title="SMNB")
app.add_page(sign_in_page, route="/sign-in", title="Sign in · SMNB", on_load=AuthState.check_access)
if settings.auth_provider == "clerk":
    app.add_page(sign_up_page, route="/sign-up", title="Sign up · SMNB", on_load=AuthState.check_access)
app.add_page(dashboard_page, route="/dashboard", title="Dashboard · SMNB", on_load=AuthState.check_access)
app.add_page(sessions_page, route="/sessions", title="Sessions · SMNB", on_load=SESSIONS_ON_LOAD)
