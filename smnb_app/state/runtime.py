"""Process-wide collaborators of the state layer, built once from the settings."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from smnb_app.auth import SessionClaims, TokenVerifier, VerifierConfig
from smnb_app.auth.clerk_api import ClerkApiError, ClerkBackendApi
from smnb_app.auth.dev_provider import DevIdentityProvider
from smnb_app.db.engine import session_scope
from smnb_app.services.users import Identity, identity_from_claims
from smnb_app.settings import Settings, get_settings
from sqlmodel import Session

T = TypeVar("T")
logger = logging.getLogger(__name__)


def verifier_config(settings: Settings) -> VerifierConfig:
    """The verifier configuration for the active identity provider.

    Args:
        settings: The validated settings.

    Returns:
        The configuration: the dev issuer's JWKS over HTTP, or Clerk's PEM/JWKS.
    """
    clerk = settings.auth_provider == "clerk"
    return VerifierConfig(
        issuer=settings.issuer,
        jwks_url=settings.jwks_url,
        jwt_key=settings.clerk_jwt_key if clerk else None,
        secret_key=settings.clerk_secret_key if clerk else None,
        authorized_parties=settings.clerk_authorized_parties if clerk else (),
        clock_skew_s=settings.clock_skew_s,
    )


@lru_cache(maxsize=1)
def get_verifier() -> TokenVerifier:
    """The process-wide token verifier (its JWKS and token caches are shared by every tab)."""
    return TokenVerifier(verifier_config(get_settings()))


@lru_cache(maxsize=1)
def get_dev_provider() -> DevIdentityProvider:
    """The embedded dev identity provider, with its key and sign-in store under `.smnb/`."""
    settings = get_settings()
    key_path = Path(settings.dev_key_path)
    return DevIdentityProvider(
        issuer=settings.issuer,
        key_path=key_path,
        store_path=key_path.with_name("dev_sessions.sqlite3"),
        lifetime_s=settings.dev_token_lifetime_s,
    )


@lru_cache(maxsize=1)
def get_clerk_api() -> ClerkBackendApi | None:
    """Clerk's Backend API client, when Clerk mode has a secret key to call it with."""
    settings = get_settings()
    if settings.auth_provider != "clerk" or not settings.clerk_secret_key:
        return None
    return ClerkBackendApi(settings.clerk_secret_key, api_url=settings.clerk_api_url)


async def resolve_identity(claims: SessionClaims) -> Identity:
    """Who a verified session token names, with the profile from verified sources only.

    The profile comes from the token's claims; when they hold neither name nor email (Clerk's
    default session token) and a secret key is configured, from Clerk's Backend API. If that
    fails, sign-in goes on with what the claims have.

    Args:
        claims: The verified claims.

    Returns:
        The identity to upsert.
    """
    profile_claims = claims.payload
    api = get_clerk_api() if not (claims.name or claims.email) else None
    if api is not None:
        try:
            profile = await api.get_profile(claims.sub)
        except ClerkApiError as exc:
            logger.warning("Clerk profile of %s unavailable, using the token's claims: %s", claims.sub, exc)
        else:
            profile_claims = {**claims.payload, **profile.as_claims()}
    return identity_from_claims(issuer=claims.iss, subject=claims.sub, claims=profile_claims)


async def run_db(action: Callable[[Session], T]) -> T:
    """Run one service call with its own DB session in a worker thread, off the event loop.

    Args:
        action: Called with the session; it runs the service's single transaction.

    Returns:
        What `action` returned.
    """

    def call() -> T:
        with session_scope() as db:
            return action(db)

    return await asyncio.to_thread(call)
