"""The Reflex app: builds `rx.App`, registers the pages, mounts the dev identity provider's routes.

Hardening is wired here too (CORS is limited to the app's own origins in `rxconfig.py`): every
browser event through the event guard, exception handlers that send no code to the browser and
write no browser text into the log verbatim, and in production the security headers on every
response.
"""

from __future__ import annotations

import logging

import reflex as rx

from smnb_app.config.settings import DEV_ISSUER_PATH, get_settings_or_exit
from smnb_app.db.migrate import upgrade_to_head
from smnb_app.net.security_headers import security_headers
from smnb_app.net.socket_edge import SocketEdge
from smnb_app.providers.clerk.components import clerk_provider
from smnb_app.providers.clerk.webhooks import clerk_webhook_routes
from smnb_app.providers.dev.routes import dev_auth_routes
from smnb_app.system.gc_pauses import freeze_start_up_heap, watch_gc_pauses
from smnb_app.system.log import configure_logging
from smnb_app.web.account.dashboard_page import dashboard_page
from smnb_app.web.browser_events import ONCE_PER_CONNECTION, SIGN_IN_EVENT, browser_events, event_costs
from smnb_app.web.guard.event_guard import EventGuard
from smnb_app.web.guard.socket_guard import GuardedApp, SocketGuard
from smnb_app.web.housekeeping import purge_expired_records
from smnb_app.web.sessions.sessions_page import SESSIONS_ON_LOAD, sessions_page
from smnb_app.web.shared.failures import backend_exception_handler, frontend_exception_handler
from smnb_app.web.shared.runtime import (
    dev_route_policy,
    get_app_origins,
    get_dev_provider,
    load_secrets_or_exit,
    start_up_warnings,
)
from smnb_app.web.shared.web_policy import frontend_build_dir, policy_sources
from smnb_app.web.shell.landing_page import landing_page
from smnb_app.web.signin.bridge import token_bridge
from smnb_app.web.signin.sign_in_page import sign_in_page
from smnb_app.web.signin.sign_up_page import sign_up_page
from smnb_app.web.signin.state import AuthState
from smnb_app.web.webhook_events import apply_clerk_event

configure_logging()
settings = get_settings_or_exit()
watch_gc_pauses(threshold_ms=settings.gc_log_ms)
load_secrets_or_exit()
upgrade_to_head()
for warning in start_up_warnings(settings, get_app_origins()):
    logging.getLogger(__name__).warning(warning)
app_wraps = {
    (3, "TokenBridge"): lambda _: rx.fragment(token_bridge(AuthState.set_session_token, AuthState.dev_sign_in_failed))
}
if settings.auth_provider == "clerk":
    # Above the bridge and every page, so both see the Clerk session.
    app_wraps[(10, "ClerkProvider")] = lambda _: clerk_provider(
        settings.clerk_publishable_key, settings.clerk_js_url, settings.clerk_ui_url
    )
transformers = [clerk_webhook_routes(secret=settings.clerk_webhook_secret, handle=apply_clerk_event)]
if settings.auth_provider == "dev":
    transformers.append(dev_auth_routes(get_dev_provider(), prefix=DEV_ISSUER_PATH, policy=dev_route_policy()))
if settings.production:
    # It wraps everything: pages, assets, the API and the dev provider's routes.
    transformers.append(
        security_headers(
            sources=policy_sources(settings, get_app_origins()),
            static_dir=frontend_build_dir(),
            trusted_proxies=settings.trusted_proxies,
        )
    )
app = GuardedApp(
    extra_app_wraps=app_wraps,
    api_transformer=transformers,
    backend_exception_handler=backend_exception_handler,
    frontend_exception_handler=frontend_exception_handler,
)
# Outside Reflex's own ASGI layers: a refused websocket costs as little as it can.
app.outermost = lambda backend: SocketEdge(
    backend,
    path="/_event",
    max_frame_bytes=settings.max_event_bytes,
    max_transports=2 * settings.max_sockets_per_address,
    connect_rate=settings.address_connects_per_s,
    connect_burst=2 * settings.max_sockets_per_address,
    frame_rate=1.25 * settings.event_rate,
    frame_burst=round(1.25 * settings.event_burst),
    trusted_proxies=settings.trusted_proxies,
)
app.register_lifespan_task(purge_expired_records)
app.register_lifespan_task(freeze_start_up_heap)
allowed_events = browser_events()
app.add_middleware(EventGuard(allowed_events))
SocketGuard(
    app,
    allowed_events,
    settings,
    sign_in_event=SIGN_IN_EVENT,
    once_per_connection=ONCE_PER_CONNECTION,
    costs=event_costs(),
).install()
app.add_page(landing_page, route="/", title="SMNB")
app.add_page(sign_in_page, route="/sign-in", title="Sign in · SMNB", on_load=AuthState.check_access)
if settings.auth_provider == "clerk":
    app.add_page(sign_up_page, route="/sign-up", title="Sign up · SMNB", on_load=AuthState.check_access)
app.add_page(dashboard_page, route="/dashboard", title="Dashboard · SMNB", on_load=AuthState.check_access)
app.add_page(sessions_page, route="/sessions", title="Sessions · SMNB", on_load=SESSIONS_ON_LOAD)
