"""Process-wide collaborators of the state layer, built once from the settings."""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

from reflex.config import get_config
from sqlmodel import Session

from smnb_app.auth import SessionClaims, TokenVerifier
from smnb_app.config.settings import Settings, get_settings
from smnb_app.db.availability import as_outage
from smnb_app.db.engine import get_reader_engine, session_scope
from smnb_app.db.on_loop import LockBusy, run_without_waiting, uses_sqlite
from smnb_app.net.client_address import is_loopback_host
from smnb_app.net.origins import app_origins
from smnb_app.providers.base import IdentityProvider
from smnb_app.providers.choose import provider_for
from smnb_app.providers.clerk.api import ClerkApiError, ClerkBackendApi
from smnb_app.services.identity.users import Identity, identity_from_claims
from smnb_app.system.secure_files import UnsafeFileError, load_or_create_secret

T = TypeVar("T")
logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def get_app_origins() -> tuple[str, ...]:
    """The app's own origins: `CLERK_AUTHORIZED_PARTIES`, else derived from Reflex's `deploy_url`.

    Returns:
        The origins; the first is the canonical one (the dev provider's `azp`).
    """
    return app_origins(get_config().deploy_url, get_settings().authorized_parties)


@lru_cache(maxsize=1)
def get_provider() -> IdentityProvider:
    """The identity provider the settings select, built once per process."""
    return provider_for(get_settings(), get_app_origins())


@lru_cache(maxsize=1)
def get_verifier() -> TokenVerifier:
    """The process-wide token verifier (its JWKS and token caches are shared by every tab)."""
    return TokenVerifier(get_provider().verifier_config())


@lru_cache(maxsize=1)
def get_link_secret() -> bytes:
    """The secret that keys each user's tab registry: `SMNB_LINK_SECRET`, else one kept on disk.

    The file lives next to the dev issuer's key: one secret per deployment directory, shared by
    its workers (the first worker's wins).

    Raises:
        UnsafeFileError: The stored secret is exposed.
    """
    settings = get_settings()
    if settings.link_secret:
        return settings.link_secret.encode()
    path = Path(settings.dev_key_path).with_name("link_secret")
    return load_or_create_secret(path, name="the link secret (or set SMNB_LINK_SECRET)")


def start_up_warnings(settings: Settings, origins: tuple[str, ...]) -> list[str]:
    """What an operator should know about a configuration that runs but looks unintended.

    Args:
        settings: The validated settings.
        origins: The app's own origins.

    Returns:
        One line per concern (none in development).
    """
    if not settings.production:
        return []
    warnings = provider_for(settings, origins).start_up_warnings()
    if all(is_loopback_host(urlsplit(origin).netloc) for origin in origins):
        warnings.append(
            f"production mode accepts tokens for {origins[0]} only; set REFLEX_DEPLOY_URL (or "
            "CLERK_AUTHORIZED_PARTIES) to the public origin unless this machine is all there is"
        )
    return warnings


def load_secrets_or_exit() -> None:
    """Load the secrets kept on disk at start-up, or stop with one line per exposed file.

    Raises:
        SystemExit: Naming each file and what to fix (printed to stderr, exit status 1).
    """
    loaders = [get_link_secret, get_provider().load_secrets]
    problems = []
    for load in loaders:
        try:
            load()
        except UnsafeFileError as exc:
            problems.append(f"  {exc}")
    if problems:
        raise SystemExit("smnb_app: unsafe files:\n" + "\n".join(problems))


def get_clerk_api() -> ClerkBackendApi | None:
    """The provider's Backend API client (Clerk's, when it has a secret key to call it with)."""
    return get_provider().backend_api()


async def resolve_identity(claims: SessionClaims) -> Identity:
    """Who a verified session token names, with the profile from verified sources only.

    The profile comes from the token's claims, as of the token's `iat`; when they hold neither
    name nor email (Clerk's default session token) and a secret key is configured, from Clerk's
    Backend API, as of the user's `updated_at`. That version keeps an older copy (a token minted
    before a change, another worker's cached answer) from overwriting a newer profile. If the
    Backend API fails, sign-in goes on with the claims.

    Args:
        claims: The verified claims.

    Returns:
        The identity to upsert.
    """
    profile_claims, version = claims.payload, _claims_version(claims)
    api = get_clerk_api() if not (claims.name or claims.email) else None
    if api is not None:
        try:
            profile = await api.get_profile(claims.sub)
        except ClerkApiError as exc:
            logger.warning("Clerk profile of %s unavailable, using the token's claims: %s", claims.sub, exc)
        else:
            profile_claims, version = {**claims.payload, **profile.as_claims()}, profile.updated_at
    identity = identity_from_claims(issuer=claims.iss, subject=claims.sub, claims=profile_claims)
    return dataclasses.replace(identity, profile_updated_at=version)


def _claims_version(claims: SessionClaims) -> int:
    """How recent the profile in a token is, so an older copy never overwrites a newer one.

    Claims describe the user as of the token's issue (`iat`); a token with no profile claims
    at all describes nothing, and version 0 keeps whatever profile is stored.
    """
    if not (claims.name or claims.email or claims.picture) or claims.iat is None:
        return 0
    return int(claims.iat * 1000)


async def run_db(action: Callable[[Session], T], *, read_only: bool = False, bounded: bool = True) -> T:
    """Run one service call with its own DB session, without blocking the event loop on a wait.

    On SQLite the call runs on the loop itself when no lock stands in its way (see
    `smnb_app.db.on_loop`), else on a thread: SQLite's writes on the one writer thread, where
    they queue in order instead of sleeping in SQLite's busy handler. PostgreSQL's calls, which
    wait on the network, always run on a thread.

    Args:
        action: Called with the session; it runs the service's single transaction.
        read_only: The call only reads: on SQLite it neither waits for a writer nor holds
            one up (see `smnb_app.db.engine.make_engine`), and a write fails.
        bounded: The call's work is small whatever the data (one user's rows, one page);
            False (a purge of any size) keeps it off the loop.

    Returns:
        What `action` returned.

    Raises:
        DatabaseUnavailable: The database did not answer (see `smnb_app.db.availability`).
    """

    def call() -> T:
        with session_scope(get_reader_engine() if read_only else None) as db:
            return action(db)

    try:
        if not uses_sqlite():
            return await asyncio.to_thread(call)
        if bounded:
            try:
                return run_without_waiting(action, read_only=read_only)
            except LockBusy:
                pass  # held by another process or thread: wait for it off the loop
        executor = None if read_only else _sqlite_writer()
        return await asyncio.get_running_loop().run_in_executor(executor, contextvars.copy_context().run, call)
    except Exception as error:
        if (outage := as_outage(error)) is not None:
            raise outage from error
        raise


@lru_cache(maxsize=1)
def _sqlite_writer() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
