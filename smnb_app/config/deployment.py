"""What a deployment of several instances needs: shared services, and one secret they all hold.

Each reader appends one line per problem for `smnb_app.config.settings`, and never raises.
"""

from __future__ import annotations

from collections.abc import Mapping

from smnb_app.config.echo import shown
from smnb_app.config.values import text

LOCAL = "local"
PRODUCTION = "production"
LINK_SECRET_MIN = 32


def deployment(env: Mapping[str, str], problems: list[str]) -> str:
    """`SMNB_DEPLOYMENT`: a production deployment must have what several instances share.

    Args:
        env: The environment.
        problems: Receives a line for a name other than local or production, and one per
            shared service a production deployment lacks.

    Returns:
        `local` or `production`; `local` when unset or bad.
    """
    name = text(env, "SMNB_DEPLOYMENT").lower() or LOCAL
    if name not in (LOCAL, PRODUCTION):
        problems.append(f"SMNB_DEPLOYMENT: expected {LOCAL} or {PRODUCTION}, got {shown(env['SMNB_DEPLOYMENT'])}")
        return LOCAL
    if name == PRODUCTION:
        if text(env, "REFLEX_ENV_MODE").lower() != "prod":
            problems.append("REFLEX_ENV_MODE: a production deployment runs `reflex run --env prod`")
        if not text(env, "DATABASE_URL").startswith(("postgresql", "postgres://")):
            problems.append("DATABASE_URL: a production deployment needs PostgreSQL (postgresql://user@host:5432/db)")
        if not text(env, "REFLEX_REDIS_URL"):
            problems.append("REFLEX_REDIS_URL: a production deployment needs Redis (the instances share state in it)")
        if not text(env, "SMNB_LINK_SECRET"):
            problems.append("SMNB_LINK_SECRET: a production deployment needs one secret, the same on every instance")
    return name


def link_secret(env: Mapping[str, str], problems: list[str]) -> str | None:
    """`SMNB_LINK_SECRET`, never echoed: at least 32 characters, and text that encodes as UTF-8.

    Args:
        env: The environment.
        problems: Receives a line when the secret is too short or not text.

    Returns:
        The secret, or None when unset.
    """
    secret = text(env, "SMNB_LINK_SECRET") or None
    if secret is not None and len(secret) < LINK_SECRET_MIN:
        problems.append(
            f"SMNB_LINK_SECRET: must be at least {LINK_SECRET_MIN} characters (e.g. `openssl rand -hex 32`)"
        )
    elif secret is not None and not secret.isprintable():
        problems.append(
            "SMNB_LINK_SECRET: holds control characters or bytes that are not UTF-8 text; use `openssl rand -hex 32`"
        )
    return secret
