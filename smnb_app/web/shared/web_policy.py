"""What the app's HTTP layer allows, from the settings and Reflex's config: CORS origins and the CSP."""

from __future__ import annotations

from pathlib import Path

from reflex.config import get_config
from reflex.utils.prerequisites import get_web_dir
from reflex_base import constants

from smnb_app.config.settings import Settings
from smnb_app.net.origins import origin_of, websocket_origin
from smnb_app.net.security_headers import PolicySources
from smnb_app.providers.choose import provider_for


def policy_sources(settings: Settings, origins: tuple[str, ...]) -> PolicySources:
    """The hosts the pages may reach beyond their own origin.

    Args:
        settings: The validated settings.
        origins: The app's own origins.

    Returns:
        The app's origins and websockets (and the backend's and the dev issuer's, when they have
        other URLs), and the hosts the identity provider's browser half needs.
    """
    # The backend's and the dev issuer's URLs may differ from the pages' (another port).
    backends = (origin_of(get_config().api_url), origin_of(settings.backend_url))
    # CSP has no syntax for IPv6 literals; a page served from one is covered by 'self'.
    own = tuple(origin for origin in dict.fromkeys((*origins, *backends)) if "://[" not in origin)
    connect = (*own, *(websocket_origin(origin) for origin in own))
    return provider_for(settings, origins).policy_sources(connect)


def frontend_build_dir() -> Path:
    """Where the built pages are served from (their inline scripts go into the CSP by hash)."""
    return get_web_dir() / constants.Dirs.STATIC / get_config().frontend_path.strip("/")
