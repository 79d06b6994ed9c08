"""Configuration: every setting of the app, read from the environment and validated once.

`smnb_app.config` is the only package that reads the environment. What differs between identity
providers is looked up in `smnb_app.config.providers.PROVIDERS`, never decided by comparing names.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from smnb_app.config.clerk import DEFAULT_CLERK_API_URL
from smnb_app.config.deployment import LOCAL, deployment, link_secret
from smnb_app.config.echo import shown
from smnb_app.config.limits import LIMITS, NUMBERS
from smnb_app.config.locations import (
    DEFAULT_BACKEND_URL,
    DEFAULT_DATABASE_URL,
    DEFAULT_DEV_KEY_PATH,
    backend_url,
    database_url,
    dev_key_path,
    redis_url,
)
from smnb_app.config.providers import DEFAULT_PROVIDER, PROVIDERS, auth_provider_from_env
from smnb_app.config.values import IPNetwork, flag, networks, number, origins, text

# Reflex's environment modes in which the app faces real users (preview serves a built frontend).
PRODUCTION_MODES = ("prod", "preview")


class SettingsError(ValueError):
    """Raised when the environment holds a bad or missing value; one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Settings:
    """The validated configuration of one process."""

    database_url: str = DEFAULT_DATABASE_URL
    auth_provider: str = DEFAULT_PROVIDER
    production: bool = False
    deployment: str = LOCAL
    backend_url: str = DEFAULT_BACKEND_URL
    clerk_publishable_key: str | None = None
    clerk_jwt_issuer: str | None = None
    clerk_jwt_key: str | None = None
    clerk_secret_key: str | None = None
    clerk_api_url: str = DEFAULT_CLERK_API_URL
    clerk_js_url: str | None = None
    clerk_ui_url: str | None = None
    clerk_webhook_secret: str | None = None
    authorized_parties: tuple[str, ...] = ()
    allow_dev_auth_in_prod: bool = False
    dev_auth_allow_remote: bool = False
    trusted_proxies: tuple[IPNetwork, ...] = ()
    dev_token_lifetime_s: int = 60
    dev_key_path: str = DEFAULT_DEV_KEY_PATH
    clock_skew_s: float = 5.0
    link_secret: str | None = None
    max_sessions_per_user: int = 1000
    max_tabs_per_user: int = 50
    event_rate: float = 20.0
    event_burst: int = 40
    max_sockets_per_address: int = 20
    address_connects_per_s: float = 2.0
    address_event_rate: float = 60.0
    address_event_burst: int = 120
    address_sign_ins_per_minute: int = 60
    max_queued_events_per_tab: int = 32
    max_event_bytes: int = 65536
    audit_retention_days: int = 90
    gc_log_ms: float = 100.0

    @property
    def issuer(self) -> str:
        """The expected `iss` of session tokens for the active provider."""
        return PROVIDERS[self.auth_provider].issuer(self)

    @property
    def jwks_url(self) -> str | None:
        """Where the verifier fetches keys, or None when a PEM key makes it networkless."""
        return PROVIDERS[self.auth_provider].jwks_url(self)

    @property
    def token_lifetime_s(self) -> int:
        """How long the active provider's session tokens live."""
        return PROVIDERS[self.auth_provider].token_lifetime_s(self)


# Every field's default, for the readers of numbers (each default is written once, on its field).
_DEFAULTS = Settings()


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the configuration.

    Args:
        env: The environment to read; `os.environ` when omitted.

    Returns:
        The validated settings.

    Raises:
        SettingsError: Listing one clear line per bad, missing or inconsistent value.
    """
    env = os.environ if env is None else env
    problems: list[str] = []
    production = text(env, "REFLEX_ENV_MODE").lower() in PRODUCTION_MODES
    provider = auth_provider_from_env(env)
    entry = PROVIDERS.get(provider)
    if entry is None:
        expected = " or ".join(PROVIDERS)
        problems.append(f"SMNB_AUTH_PROVIDER: expected {expected}, got {shown(env['SMNB_AUTH_PROVIDER'])}")
    shape = deployment(env, problems)
    database = database_url(env, problems)
    redis_url(env, problems)
    allow_dev = flag(env, "SMNB_ALLOW_DEV_AUTH_IN_PROD", problems)
    provider_fields = entry.read(env, problems) if entry is not None else {}
    if entry is not None and entry.production_refusal and production and not allow_dev:
        problems.append(entry.production_refusal)
    backend = backend_url(env, problems)
    key_path = dev_key_path(env, problems)
    timings = _numbers(env, ("dev_token_lifetime_s", "clock_skew_s"), problems)
    secret = link_secret(env, problems)
    parties = origins(env, "CLERK_AUTHORIZED_PARTIES", problems)
    allow_remote = flag(env, "SMNB_DEV_AUTH_ALLOW_REMOTE", problems)
    proxies = networks(env, "SMNB_TRUSTED_PROXIES", problems)
    limits = _numbers(env, (*LIMITS, "gc_log_ms"), problems)
    if problems:
        raise SettingsError(problems)
    return Settings(
        database_url=database,
        auth_provider=provider,
        production=production,
        deployment=shape,
        backend_url=backend,
        authorized_parties=parties,
        allow_dev_auth_in_prod=allow_dev,
        dev_auth_allow_remote=allow_remote,
        trusted_proxies=proxies,
        dev_key_path=key_path,
        link_secret=secret,
        **provider_fields,
        **timings,
        **limits,
    )


def _numbers(env: Mapping[str, str], names: Iterable[str], problems: list[str]) -> dict[str, Any]:
    """The numeric settings `names` by field, each read with its field's default (see `NUMBERS`).

    The values are ints for the fields whose default is one, floats for the others.
    """
    values: dict[str, Any] = {}
    for name in names:
        variable, bounds = NUMBERS[name]
        default = getattr(_DEFAULTS, name)
        values[name] = number(env, variable, default, bounds, problems, integer=isinstance(default, int))
    return values


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, loaded on first use.

    Returns:
        The validated settings.
    """
    return load_settings()


def get_settings_or_exit() -> Settings:
    """Return the process-wide settings, or stop the process with one line per problem.

    For start-up: a misconfigured app prints what to fix on stderr, not a traceback.

    Returns:
        The validated settings.

    Raises:
        SystemExit: With the problems as its message (printed to stderr, exit status 1).
    """
    try:
        return get_settings()
    except SettingsError as exc:
        lines = "\n".join(f"  {problem}" for problem in exc.problems)
        raise SystemExit(f"smnb_app: invalid configuration:\n{lines}") from None
