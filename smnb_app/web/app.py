"""The app factory: `create_app()` builds the Reflex app from the settings and the chosen identity provider.

Nothing runs at import. Building the app reads the settings (one line per problem, then exit)
and wires the pages, the provider's parts and the guards; the work of a running backend
(migrations, secrets on disk, GC watching, housekeeping) starts in its lifespan, before it
serves a request.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import wraps

import reflex as rx

from smnb_app.config.settings import Settings, get_settings, get_settings_or_exit
from smnb_app.db.migrate import upgrade_to_head
from smnb_app.net.security_headers import security_headers
from smnb_app.net.socket_edge import SocketEdge
from smnb_app.providers.base import ApiTransformer, IdentityProvider
from smnb_app.providers.clerk.webhooks import clerk_webhook_routes
from smnb_app.system.gc_pauses import freeze_start_up_heap, watch_gc_pauses
from smnb_app.system.log import configure_logging
from smnb_app.web.account.dashboard_page import dashboard_page
from smnb_app.web.browser_events import ONCE_PER_CONNECTION, SIGN_IN_EVENT, browser_events, event_costs
from smnb_app.web.guard.event_guard import EventGuard
from smnb_app.web.guard.socket_guard import GuardedApp, SocketGuard
from smnb_app.web.housekeeping import purge_expired_records
from smnb_app.web.sessions.sessions_page import SESSIONS_ON_LOAD, sessions_page
from smnb_app.web.shared.failures import backend_exception_handler, frontend_exception_handler
from smnb_app.web.shared.runtime import get_app_origins, get_provider, load_secrets_or_exit, start_up_warnings
from smnb_app.web.shared.web_policy import frontend_build_dir, policy_sources
from smnb_app.web.shell.landing_page import landing_page
from smnb_app.web.shell.layout import page_shell
from smnb_app.web.signin.bridge import token_bridge
from smnb_app.web.signin.pages import sign_in_page, sign_up_page
from smnb_app.web.signin.state import AuthState
from smnb_app.web.webhook_events import apply_clerk_event

logger = logging.getLogger(__name__)


def create_app() -> rx.App:
    """Build the app: pages, the provider's wraps and routes, the websocket guard, lifespan tasks.

    Returns:
        The app Reflex serves.

    Raises:
        SystemExit: A setting is invalid (one line per problem on stderr).
    """
    configure_logging()
    settings = get_settings_or_exit()
    provider = get_provider()
    app = GuardedApp(
        extra_app_wraps={(3, "TokenBridge"): lambda _: rx.fragment(token_bridge()), **provider.app_wraps()},
        api_transformer=_api_transformers(settings, provider),
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
    # In order: start-up finishes before the backend serves; the others run alongside it.
    app.register_lifespan_task(start_up)
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
    app.add_page(_framed(landing_page), route="/", title="SMNB")
    app.add_page(_framed(sign_in_page), route="/sign-in", title="Sign in · SMNB", on_load=AuthState.check_access)
    if provider.has_sign_up:
        app.add_page(_framed(sign_up_page), route="/sign-up", title="Sign up · SMNB", on_load=AuthState.check_access)
    app.add_page(_framed(dashboard_page), route="/dashboard", title="Dashboard · SMNB", on_load=AuthState.check_access)
    app.add_page(_framed(sessions_page), route="/sessions", title="Sessions · SMNB", on_load=SESSIONS_ON_LOAD)
    return app


def _api_transformers(settings: Settings, provider: IdentityProvider) -> list[ApiTransformer]:
    """Clerk's webhooks, the provider's own routes and, in production, the security headers around it all."""
    transformers: list[ApiTransformer] = [
        clerk_webhook_routes(secret=settings.clerk_webhook_secret, handle=apply_clerk_event)
    ]
    transformers.extend(provider.api_routes())
    if settings.production:
        # Last, so it wraps everything: pages, assets, the API and the provider's routes.
        transformers.append(
            security_headers(
                sources=policy_sources(settings, get_app_origins()),
                static_dir=frontend_build_dir(),
                trusted_proxies=settings.trusted_proxies,
            )
        )
    return transformers


def _framed(page: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
    @wraps(page)
    def framed() -> rx.Component:
        return page_shell(page())

    return framed


@asynccontextmanager
async def start_up() -> AsyncIterator[None]:
    """Before the backend serves: watch GC pauses, load the secrets on disk, migrate, warn.

    An exposed secret file stops the backend with one line per file (exit status 1).
    """
    settings = get_settings()
    watch_gc_pauses(threshold_ms=settings.gc_log_ms)
    try:
        load_secrets_or_exit()
    except SystemExit as refusal:
        print(refusal.code, file=sys.stderr, flush=True)
        # Raised out of a lifespan task, the refusal would come with Starlette's traceback.
        os._exit(1)
    await asyncio.to_thread(upgrade_to_head)
    for warning in start_up_warnings(settings, get_app_origins()):
        logger.warning(warning)
    yield
