"""Configuration: every setting of the app, read from the environment and validated once."""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

DEFAULT_DATABASE_URL = "sqlite:///smnb.db"
DEFAULT_BACKEND_URL = "http://localhost:8000"
DEV_ISSUER_PATH = "/dev-auth"
PROVIDERS = ("dev", "clerk")
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
    clerk_api_url: str = "https://api.clerk.com"
    allow_dev_auth_in_prod: bool = False
    dev_token_lifetime_s: int = 60
    dev_key_path: str = ".smnb/dev_issuer_key.pem"
    clock_skew_s: float = 5.0

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


def frontend_api_from_publishable_key(key: str) -> str:
    """Decode the Frontend API host carried by a Clerk publishable key.

    Args:
        key: A key of the form `pk_test_<base64(host + "$")>` or `pk_live_...`.

    Returns:
        The Frontend API host, e.g. `clerk.example.com`.

    Raises:
        ValueError: If the prefix, the base64 or the trailing `$` is wrong.
    """
    for prefix in ("pk_test_", "pk_live_"):
        if key.startswith(prefix):
            encoded = key[len(prefix):]
            break
    else:
        raise ValueError("must start with pk_test_ or pk_live_")
    try:
        decoded = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise ValueError("is not valid base64 after its prefix") from exc
    if not decoded.endswith("$") or len(decoded) < 2 or "$" in decoded[:-1]:
        raise ValueError("does not encode a Frontend API host ending in '$'")
    return decoded[:-1]


def _flag(env: Mapping[str, str], name: str, problems: list[str]) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in _TRUE:
        return True
    if raw not in _FALSE:
        problems.append(f"{name}: expected 1 or 0, got {env[name]!r}")
    return False


def _number(env: Mapping[str, str], name: str, default: float, low: float, high: float,
            problems: list[str]) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:
        problems.append(f"{name}: expected a number from {low:g} to {high:g}, got {raw!r}")
        return default
    return value


def _clean(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _check_clerk(env: Mapping[str, str], production: bool, problems: list[str]) -> None:
    key = _clean(env, "CLERK_PUBLISHABLE_KEY")
    if key is None:
        problems.append("CLERK_PUBLISHABLE_KEY: required when SMNB_AUTH_PROVIDER=clerk")
    else:
        try:
            frontend_api_from_publishable_key(key)
        except ValueError as exc:
            problems.append(f"CLERK_PUBLISHABLE_KEY: {exc}")
        if production and key.startswith("pk_test_"):
            problems.append("CLERK_PUBLISHABLE_KEY: a pk_test_ key cannot serve production mode")
    issuer = _clean(env, "CLERK_JWT_ISSUER")
    if issuer and not issuer.startswith(("https://", "http://")):
        problems.append(f"CLERK_JWT_ISSUER: expected an https:// URL, got {issuer!r}")
    pem = _clean(env, "CLERK_JWT_KEY")
    if pem and "-----BEGIN PUBLIC KEY-----" not in pem.replace("\\n", "\n"):
        problems.append("CLERK_JWT_KEY: expected a PEM public key (-----BEGIN PUBLIC KEY-----)")
    secret = _clean(env, "CLERK_SECRET_KEY")
    if secret and not secret.startswith(("sk_test_", "sk_live_")):
        problems.append("CLERK_SECRET_KEY: must start with sk_test_ or sk_live_")
    if secret and key and secret[:8].replace("sk_", "pk_") != key[:8]:
        problems.append("CLERK_SECRET_KEY: a test key and a live key cannot be mixed")
    parties = _parties(env)
    if production and not parties:
        problems.append("CLERK_AUTHORIZED_PARTIES: required in production mode (comma separated origins)")
    for party in parties:
        if not party.startswith(("https://", "http://")):
            problems.append(f"CLERK_AUTHORIZED_PARTIES: {party!r} is not an origin like https://app.example.com")


def _parties(env: Mapping[str, str]) -> tuple[str, ...]:
    raw = env.get("CLERK_AUTHORIZED_PARTIES", "")
    return tuple(p.strip().rstrip("/") for p in raw.split(",") if p.strip())


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the configuration.

    Args:
        env: The environment to read; `os.environ` when omitted.

    Returns:
        The validated settings.

    Raises:
        SettingsError: Listing one clear line per bad or missing value.
    """
    env = os.environ if env is None else env
    problems: list[str] = []
    production = env.get("REFLEX_ENV_MODE", "dev").strip().lower() == "prod"
    default_provider = "clerk" if _clean(env, "CLERK_PUBLISHABLE_KEY") else "dev"
    provider = (env.get("SMNB_AUTH_PROVIDER", "").strip().lower() or default_provider)
    if provider not in PROVIDERS:
        problems.append(f"SMNB_AUTH_PROVIDER: expected dev or clerk, got {env['SMNB_AUTH_PROVIDER']!r}")
    database_url = env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
    if not database_url.startswith(("sqlite:", "postgresql", "postgres:")):
        problems.append(f"DATABASE_URL: expected sqlite:///... or postgresql://..., got {database_url.split(':')[0]!r} scheme")
    database_url = database_url.replace("postgres://", "postgresql://", 1)
    allow_dev = _flag(env, "SMNB_ALLOW_DEV_AUTH_IN_PROD", problems)
    if provider == "clerk":
        _check_clerk(env, production, problems)
    elif provider == "dev" and production and not allow_dev:
        problems.append(
            "SMNB_AUTH_PROVIDER: the dev identity provider refuses production mode; "
            "configure Clerk or set SMNB_ALLOW_DEV_AUTH_IN_PROD=1"
        )
    backend_url = (env.get("SMNB_BACKEND_URL", "").strip() or env.get("API_URL", "").strip()
                   or DEFAULT_BACKEND_URL).rstrip("/")
    if not backend_url.startswith(("http://", "https://")):
        problems.append(f"SMNB_BACKEND_URL: expected http(s)://host:port, got {backend_url!r}")
    lifetime = _number(env, "SMNB_DEV_TOKEN_LIFETIME_S", 60, 2, 3600, problems)
    skew = _number(env, "SMNB_CLOCK_SKEW_S", 5.0, 0, 60, problems)
    if problems:
        raise SettingsError(problems)
    pem = _clean(env, "CLERK_JWT_KEY")
    return Settings(
        database_url=database_url,
        auth_provider=provider,
        production=production,
        backend_url=backend_url,
        clerk_publishable_key=_clean(env, "CLERK_PUBLISHABLE_KEY"),
        clerk_jwt_issuer=_clean(env, "CLERK_JWT_ISSUER"),
        clerk_jwt_key=pem.replace("\\n", "\n") if pem else None,
        clerk_secret_key=_clean(env, "CLERK_SECRET_KEY"),
        clerk_authorized_parties=_parties(env),
        clerk_api_url=(_clean(env, "CLERK_API_URL") or "https://api.clerk.com").rstrip("/"),
        allow_dev_auth_in_prod=allow_dev,
        dev_token_lifetime_s=int(lifetime),
        dev_key_path=_clean(env, "SMNB_DEV_KEY_PATH") or ".smnb/dev_issuer_key.pem",
        clock_skew_s=skew,
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, loaded on first use.

    Returns:
        The validated settings.
    """
    return load_settings()
