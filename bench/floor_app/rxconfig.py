"""Bare Reflex, for the benchmarks' floor: telemetry off, npm from the virtualenv."""

import os

import reflex as rx
from reflex.plugins.sitemap import SitemapPlugin

os.environ.setdefault("REFLEX_USE_NPM", "1")

config = rx.Config(
    app_name="floor_app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin()],
    disable_plugins=[SitemapPlugin],
)
