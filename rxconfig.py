"""Reflex configuration: telemetry off, npm from the virtualenv (bun cannot be downloaded here)."""

import os

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

from smnb_app.config.settings import auth_provider_from_env
from smnb_app.config.values import origins
from smnb_app.net.origins import app_origins
from smnb_app.providers.clerk.config import CLERK_REACT_PACKAGE

os.environ.setdefault("REFLEX_USE_NPM", "1")

config = rx.Config(
    app_name="smnb_app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin()],
    disable_plugins=[SitemapPlugin],
    # Clerk mode installs Clerk's React SDK through its components; dev mode installs the same
    # pinned version, so switching providers never rewrites reflex.lock.
    frontend_packages=[] if auth_provider_from_env(os.environ) == "clerk" else [CLERK_REACT_PACKAGE],
)
if "REFLEX_CORS_ALLOWED_ORIGINS" not in os.environ:
    # Reflex's default is "*" with credentials: the API, the websocket and the dev provider's
    # routes answer the app's own origins only (a bad CLERK_AUTHORIZED_PARTIES is reported by
    # the settings at start-up, so its problems are not collected here).
    config.cors_allowed_origins = app_origins(config.deploy_url, origins(os.environ, "CLERK_AUTHORIZED_PARTIES", []))
