"""Configuration: every setting of the app, read from the environment and validated once."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import lru_cache

from smnb_app.config.echo import shown
from smnb_app.config.limits import LIMITS
from smnb_app.config.locations import (
    DEFAULT_BACKEND_URL,
    DEFAULT_DATABASE_URL,
    DEFAULT_DEV_KEY_PATH,
    backend_url,
    database_url,
    dev_key_path,
    redis_url,
)
from smnb_app.config.values import IPNetwork, flag, networks, number, origins, text
from smnb_app.providers.clerk.config import (
    DEFAULT_CLERK_API_URL,
    ClerkValues,
    check_clerk,
    frontend_api_from_publishable_key,
)

DEV_ISSUER_PATH = "/dev-auth"
PROVIDERS = ("dev", "clerk")
# Reflex's environment modes in which the app faces real users (preview serves a built frontend).
PRODUCTION_MODES = ("prod", "preview")
DEPLOYMENTS = ("local", "production")


class SettingsError(ValueError):
    """Raised when the environment holds a bad or missing value; one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Settings:
    """The validated configuration of one process."""

    database_url: str = DEFAULT_DATABASE_URL
    auth_provider: str = "dev"
    production: bool = False
    deployment: str = "local"
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
        if self.auth_provider == "dev":
            return self.backend_url.rstrip("/") + DEV_ISSUER_PATH
        if self.clerk_jwt_issuer:
            return self.clerk_jwt_issuer.rstrip("/")
        return "https://" + frontend_api_from_publishable_key(self.clerk_publishable_key or "")

    @property
    def jwks_url(self) -> str | None:
        """Where the verifier fetches keys, or None when a PEM key makes it networkless."""
        if self.auth_provider == "clerk" and self.clerk_jwt_key:
            return None
        if self.auth_provider == "clerk" and self.clerk_secret_key:
            return self.clerk_api_url.rstrip("/") + "/v1/jwks"
        return self.issuer + "/.well-known/jwks.json"


def _deployment(env: Mapping[str, str], problems: list[str]) -> str:
    """`SMNB_DEPLOYMENT`: a production deployment must have what several instances share."""
    deployment = text(env, "SMNB_DEPLOYMENT").lower() or "local"
    if deployment not in DEPLOYMENTS:
        problems.append(f"SMNB_DEPLOYMENT: expected local or production, got {shown(env['SMNB_DEPLOYMENT'])}")
        return "local"
    if deployment == "production":
        if text(env, "REFLEX_ENV_MODE").lower() != "prod":
            problems.append("REFLEX_ENV_MODE: a production deployment runs `reflex run --env prod`")
        if not text(env, "DATABASE_URL").startswith(("postgresql", "postgres://")):
            problems.append("DATABASE_URL: a production deployment needs PostgreSQL (postgresql://user@host:5432/db)")
        if not text(env, "REFLEX_REDIS_URL"):
            problems.append("REFLEX_REDIS_URL: a production deployment needs Redis (the instances share state in it)")
        if not text(env, "SMNB_LINK_SECRET"):
            problems.append("SMNB_LINK_SECRET: a production deployment needs one secret, the same on every instance")
    return deployment


def auth_provider_from_env(env: Mapping[str, str]) -> str:
    """The provider the environment asks for, not yet validated.

    Args:
        env: The environment.

    Returns:
        `SMNB_AUTH_PROVIDER` lower-cased, else `clerk` when a publishable key is set, else `dev`.
    """
    default = "clerk" if text(env, "CLERK_PUBLISHABLE_KEY") else "dev"
    return text(env, "SMNB_AUTH_PROVIDER").lower() or default


def _provider(env: Mapping[str, str], problems: list[str]) -> str:
    provider = auth_provider_from_env(env)
    if provider not in PROVIDERS:
        problems.append(f"SMNB_AUTH_PROVIDER: expected dev or clerk, got {shown(env['SMNB_AUTH_PROVIDER'])}")
    return provider


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
    provider = _provider(env, problems)
    deployment = _deployment(env, problems)
    database = database_url(env, problems)
    redis_url(env, problems)
    allow_dev = flag(env, "SMNB_ALLOW_DEV_AUTH_IN_PROD", problems)
    clerk: ClerkValues | None = None
    if provider == "clerk":
        clerk = check_clerk(env, problems)
    elif provider == "dev" and production and not allow_dev:
        problems.append(
            "SMNB_AUTH_PROVIDER: the dev identity provider refuses production mode; "
            "configure Clerk or set SMNB_ALLOW_DEV_AUTH_IN_PROD=1"
        )
    backend = backend_url(env, problems)
    key_path = dev_key_path(env, problems)
    lifetime = number(env, "SMNB_DEV_TOKEN_LIFETIME_S", 60, (2, 3600), problems, integer=True)
    skew = number(env, "SMNB_CLOCK_SKEW_S", 5.0, (0, 60), problems)
    link_secret = _link_secret(env, problems)
    parties = origins(env, "CLERK_AUTHORIZED_PARTIES", problems)
    allow_remote = flag(env, "SMNB_DEV_AUTH_ALLOW_REMOTE", problems)
    proxies = networks(env, "SMNB_TRUSTED_PROXIES", problems)
    limits = _limits(env, problems)
    gc_log_ms = number(env, "SMNB_GC_LOG_MS", 100.0, (1, 60_000), problems)
    if problems:
        raise SettingsError(problems)
    return Settings(
        database_url=database,
        auth_provider=provider,
        production=production,
        deployment=deployment,
        backend_url=backend,
        clerk_publishable_key=clerk.publishable_key if clerk else None,
        clerk_jwt_issuer=clerk.jwt_issuer if clerk else None,
        clerk_jwt_key=clerk.jwt_key if clerk else None,
        clerk_secret_key=clerk.secret_key if clerk else None,
        clerk_api_url=clerk.api_url if clerk else DEFAULT_CLERK_API_URL,
        clerk_js_url=clerk.js_url if clerk else None,
        clerk_ui_url=clerk.ui_url if clerk else None,
        clerk_webhook_secret=clerk.webhook_secret if clerk else None,
        authorized_parties=parties,
        allow_dev_auth_in_prod=allow_dev,
        dev_auth_allow_remote=allow_remote,
        trusted_proxies=proxies,
        dev_token_lifetime_s=int(lifetime),
        dev_key_path=key_path,
        clock_skew_s=skew,
        link_secret=link_secret,
        gc_log_ms=gc_log_ms,
        **limits,
    )


def _link_secret(env: Mapping[str, str], problems: list[str]) -> str | None:
    """`SMNB_LINK_SECRET`, never echoed: at least 32 characters, and text that encodes as UTF-8."""
    secret = text(env, "SMNB_LINK_SECRET") or None
    if secret is not None and len(secret) < 32:
        problems.append("SMNB_LINK_SECRET: must be at least 32 characters (e.g. `openssl rand -hex 32`)")
    elif secret is not None and not secret.isprintable():
        problems.append(
            "SMNB_LINK_SECRET: holds control characters or bytes that are not UTF-8 text; use `openssl rand -hex 32`"
        )
    return secret


def _limits(env: Mapping[str, str], problems: list[str]) -> dict[str, float]:
    """Each of `LIMITS`, read with its field's default, by `Settings` field."""
    defaults = {field.name: field.default for field in fields(Settings)}
    return {
        field: number(env, variable, defaults[field], bounds, problems, integer=isinstance(defaults[field], int))
        for field, (variable, bounds) in LIMITS.items()
    }


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
