"""What the settings know of each identity provider, looked up by its `SMNB_AUTH_PROVIDER` name.

Only `smnb_app.providers` chooses a provider by name; the settings look theirs up in `PROVIDERS`
instead of comparing names: the variables of its own it reads, whether it refuses production
mode, its tokens' issuer, keys and lifetime, and the npm packages its browser components install.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from smnb_app.config.clerk import (
    CLERK_REACT_PACKAGE,
    CLERK_TOKEN_LIFETIME_S,
    frontend_api_from_publishable_key,
    read_clerk,
)
from smnb_app.config.values import text

if TYPE_CHECKING:
    from smnb_app.config.settings import Settings

DEFAULT_PROVIDER = "dev"
DEV_ISSUER_PATH = "/dev-auth"
JWKS_PATH = "/.well-known/jwks.json"


@dataclass(frozen=True)
class ProviderSettings:
    """One identity provider's part of the settings.

    Attributes:
        read: Reads and checks the provider's own variables, appending one line per problem;
            returns their values by `Settings` field.
        production_refusal: The problem line when it runs in production mode without
            `SMNB_ALLOW_DEV_AUTH_IN_PROD=1`; None when it may run there.
        issuer: The expected `iss` of its session tokens.
        jwks_url: Where its signing keys are fetched; None when a PEM key makes verification
            networkless.
        token_lifetime_s: How long its session tokens live.
        npm_packages: The npm packages its browser components import.
    """

    read: Callable[[Mapping[str, str], list[str]], dict[str, Any]]
    production_refusal: str | None
    issuer: Callable[[Settings], str]
    jwks_url: Callable[[Settings], str | None]
    token_lifetime_s: Callable[[Settings], int]
    npm_packages: tuple[str, ...] = ()


def _nothing_more(env: Mapping[str, str], problems: list[str]) -> dict[str, Any]:
    """The dev provider's variables are read whatever the provider (they have defaults)."""
    return {}


def _issuer_jwks(settings: Settings) -> str:
    return settings.issuer + JWKS_PATH


def _clerk_issuer(settings: Settings) -> str:
    if settings.clerk_jwt_issuer:
        return settings.clerk_jwt_issuer.rstrip("/")
    return "https://" + frontend_api_from_publishable_key(settings.clerk_publishable_key or "")


def _clerk_jwks(settings: Settings) -> str | None:
    if settings.clerk_jwt_key:
        return None
    if settings.clerk_secret_key:
        # Clerk's Backend API serves the instance's keys to the holder of its secret key.
        return settings.clerk_api_url.rstrip("/") + "/v1/jwks"
    return _issuer_jwks(settings)


PROVIDERS: dict[str, ProviderSettings] = {
    "dev": ProviderSettings(
        read=_nothing_more,
        production_refusal=(
            "SMNB_AUTH_PROVIDER: the dev identity provider refuses production mode; "
            "configure Clerk or set SMNB_ALLOW_DEV_AUTH_IN_PROD=1"
        ),
        issuer=lambda settings: settings.backend_url.rstrip("/") + DEV_ISSUER_PATH,
        jwks_url=_issuer_jwks,
        token_lifetime_s=lambda settings: settings.dev_token_lifetime_s,
    ),
    "clerk": ProviderSettings(
        read=read_clerk,
        production_refusal=None,
        issuer=_clerk_issuer,
        jwks_url=_clerk_jwks,
        token_lifetime_s=lambda _: CLERK_TOKEN_LIFETIME_S,
        npm_packages=(CLERK_REACT_PACKAGE,),
    ),
}


def auth_provider_from_env(env: Mapping[str, str]) -> str:
    """The provider the environment asks for, not yet validated.

    Args:
        env: The environment.

    Returns:
        `SMNB_AUTH_PROVIDER` lower-cased, else `clerk` when a publishable key is set, else `dev`.
    """
    default = "clerk" if text(env, "CLERK_PUBLISHABLE_KEY") else DEFAULT_PROVIDER
    return text(env, "SMNB_AUTH_PROVIDER").lower() or default


def kept_npm_packages(provider: str) -> list[str]:
    """The npm packages of the providers not running, which the app installs all the same.

    So switching providers never rewrites `reflex.lock`. The running provider's packages come
    from its components; Reflex warns about a package also listed in `frontend_packages`.

    Args:
        provider: The running provider's name (an unknown one runs none of them).

    Returns:
        The packages, in the order of `PROVIDERS`.
    """
    running = PROVIDERS[provider].npm_packages if provider in PROVIDERS else ()
    every = (package for entry in PROVIDERS.values() for package in entry.npm_packages)
    return [package for package in dict.fromkeys(every) if package not in running]
