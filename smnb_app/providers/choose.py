"""Which identity provider the app runs with: chosen once, from the settings."""

from __future__ import annotations

from smnb_app.config.settings import Settings
from smnb_app.providers.base import IdentityProvider
from smnb_app.providers.clerk.clerk_provider import ClerkProvider
from smnb_app.providers.dev.dev_provider import DevProvider

_PROVIDERS: dict[str, type[IdentityProvider]] = {DevProvider.name: DevProvider, ClerkProvider.name: ClerkProvider}


def provider_for(settings: Settings, origins: tuple[str, ...]) -> IdentityProvider:
    """The identity provider the settings select.

    Args:
        settings: The validated settings.
        origins: The app's own origins: the only authorized parties (`azp`) its tokens may name.

    Returns:
        The provider.
    """
    return _PROVIDERS[settings.auth_provider](settings, origins)
