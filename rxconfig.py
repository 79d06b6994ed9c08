"""Reflex configuration: telemetry off, npm from the virtualenv (bun cannot be downloaded here)."""

import os

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

os.environ.setdefault("REFLEX_USE_NPM", "1")

config = rx.Config(
    app_name="smnb_app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin()],
    disable_plugins=[SitemapPlugin],
)
