"""Configuration: every setting of the app, read from the environment and validated once."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from smnb_app.clerk_config import (
    DEFAULT_CLERK_API_URL,
    ClerkValues,
    check_clerk,
    frontend_api_from_publishable_key,
)

DEFAULT_DATABASE_URL = "sqlite:///smnb.db"
DEFAULT_BACKEND_URL = "http://localhost:8000"
DEV_ISSUER_PATH = "/dev-auth"
PROVIDERS = ("dev", "clerk")
_DATABASE_SCHEMES = ("sqlite", "postgresql", "postgres")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


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
    backend_url: str = DEFAULT_BACKEND_URL
    clerk_publishable_key: str | None = None
    clerk_jwt_issuer: str | None = None
    clerk_jwt_key: str | None = None
    clerk_secret_key: str | None = None
    clerk_authorized_parties: tuple[str, ...] = ()
    clerk_api_url: str = DEFAULT_CLERK_API_URL
    clerk_js_url: str | None = None
    allow_dev_auth_in_prod: bool = False
    dev_token_lifetime_s: int = 60
    dev_key_path: str = ".smnb/dev_issuer_key.pem"
    clock_skew_s: float = 5.0
    link_secret: str | None = None

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


def _flag(env: Mapping[str, str], name: str, problems: list[str]) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in _TRUE:
        return True
    if raw not in _FALSE:
        problems.append(f"{name}: expected 1 or 0, got {env[name]!r}")
    return False


def _number(env: Mapping[str, str], name: str, default: float, bounds: tuple[float, float],
            problems: list[str], *, integer: bool = False) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        value = float("nan")
    low, high = bounds
    if not low <= value <= high:
        kind = "a whole number" if integer else "a number"
        problems.append(f"{name}: expected {kind} from {low:g} to {high:g}, got {raw!r}")
        return default
    return value


def _database_url(env: Mapping[str, str], problems: list[str]) -> str:
    url = env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
    scheme, separator, _ = url.partition("://")
    if not separator or scheme.split("+")[0] not in _DATABASE_SCHEMES:
        problems.append(f"DATABASE_URL: expected sqlite:///... or postgresql://..., got scheme {scheme!r}")
    return "postgresql://" + url.removeprefix("postgres://") if url.startswith("postgres://") else url


def auth_provider_from_env(env: Mapping[str, str]) -> str:
    """The provider the environment asks for, not yet validated.

    Args:
        env: The environment.

    Returns:
        `SMNB_AUTH_PROVIDER` lower-cased, else `clerk` when a publishable key is set, else `dev`.
    """
    default = "clerk" if env.get("CLERK_PUBLISHABLE_KEY", "").strip() else "dev"
    return env.get("SMNB_AUTH_PROVIDER", "").strip().lower() or default


def _provider(env: Mapping[str, str], problems: list[str]) -> str:
    provider = auth_provider_from_env(env)
    if provider not in PROVIDERS:
        problems.append(f"SMNB_AUTH_PROVIDER: expected dev or clerk, got {env['SMNB_AUTH_PROVIDER']!r}")
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
    production = env.get("REFLEX_ENV_MODE", "dev").strip().lower() == "prod"
    provider = _provider(env, problems)
    database_url = _database_url(env, problems)
    allow_dev = _flag(env, "SMNB_ALLOW_DEV_AUTH_IN_PROD", problems)
    clerk: ClerkValues | None = None
    if provider == "clerk":
        clerk = check_clerk(env, production, problems)
    elif provider == "dev" and production and not allow_dev:
        problems.append(
            "SMNB_AUTH_PROVIDER: the dev identity provider refuses production mode; "
            "configure Clerk or set SMNB_ALLOW_DEV_AUTH_IN_PROD=1"
        )
    backend_url = (env.get("SMNB_BACKEND_URL", "").strip() or env.get("REFLEX_API_URL", "").strip()
                   or DEFAULT_BACKEND_URL).rstrip("/")
    if not backend_url.startswith(("http://", "https://")):
        problems.append(f"SMNB_BACKEND_URL: expected http(s)://host:port, got {backend_url!r}")
    lifetime = _number(env, "SMNB_DEV_TOKEN_LIFETIME_S", 60, (2, 3600), problems, integer=True)
    skew = _number(env, "SMNB_CLOCK_SKEW_S", 5.0, (0, 60), problems)
    link_secret = env.get("SMNB_LINK_SECRET", "").strip() or None
    if link_secret is not None and len(link_secret) < 32:
        problems.append("SMNB_LINK_SECRET: must be at least 32 characters (e.g. `openssl rand -hex 32`)")
    if problems:
        raise SettingsError(problems)
    return Settings(
        database_url=database_url,
        auth_provider=provider,
        production=production,
        backend_url=backend_url,
        clerk_publishable_key=clerk.publishable_key if clerk else None,
        clerk_jwt_issuer=clerk.jwt_issuer if clerk else None,
        clerk_jwt_key=clerk.jwt_key if clerk else None,
        clerk_secret_key=clerk.secret_key if clerk else None,
        clerk_authorized_parties=clerk.authorized_parties if clerk else (),
        clerk_api_url=clerk.api_url if clerk else DEFAULT_CLERK_API_URL,
        clerk_js_url=clerk.js_url if clerk else None,
        allow_dev_auth_in_prod=allow_dev,
        dev_token_lifetime_s=int(lifetime),
        dev_key_path=env.get("SMNB_DEV_KEY_PATH", "").strip() or ".smnb/dev_issuer_key.pem",
        clock_skew_s=skew,
        link_secret=link_secret,
    )


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
