"""Reflex configuration: telemetry off, npm from the virtualenv (bun cannot be downloaded here)."""

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

from smnb_app.config.reflex_options import reflex_options
from smnb_app.net.origins import app_origins

options = reflex_options()
config = rx.Config(
    app_name="smnb_app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin()],
    disable_plugins=[SitemapPlugin],
    # Every provider's npm packages stay installed, whichever runs, so switching providers never
    # rewrites reflex.lock: those of the running provider come from its components.
    frontend_packages=options.frontend_packages,
)
if not options.cors_from_env:
    # Reflex's default is "*" with credentials: the API, the websocket and the dev provider's
    # routes answer the app's own origins only.
    config.cors_allowed_origins = app_origins(config.deploy_url, options.authorized_parties)
