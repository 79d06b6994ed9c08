"""Signing keys fetched from a JWKS URL: cached, refetched on rotation, served stale on outage."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from weakref import WeakKeyDictionary

import httpx
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from smnb_app.auth.config import VerifierConfig
from smnb_app.auth.errors import Reason, TokenVerificationError
from smnb_app.auth.keys import JwksDocumentError, parse_jwks

logger = logging.getLogger(__name__)


class JwksKeySource:
    """Keys of one JWKS URL.

    Keys are used for `jwks_ttl_s` after a successful fetch, then refetched. Every fetch (a TTL
    refresh or an unknown `kid`) waits `jwks_refetch_cooldown_s` after the previous attempt, so
    random key ids cannot cause a fetch storm; concurrent callers share one fetch. While
    refetches fail, the cached keys serve until `jwks_max_stale_s` after the last success.
    A fetch is retried after each pause of `jwks_retry_backoff_s`.
    """

    def __init__(
        self,
        config: VerifierConfig,
        *,
        clock: Callable[[], float],
        http: httpx.AsyncClient | None = None,
    ) -> None:
        """Create the source; nothing is fetched until a key is needed.

        Args:
            config: Where to fetch, with which secret, and the timing rules.
            clock: Returns the current time in epoch seconds.
            http: A client to fetch with; when None each fetch uses a short-lived client of its
                own, which lets one source serve several event loops (fetches are minutes apart,
                so there is no connection worth keeping).
        """
        self._url = config.effective_jwks_url
        self._headers = {"Accept": "application/json"}
        if config.secret_key:
            self._headers["Authorization"] = f"Bearer {config.secret_key}"
        self._ttl = config.jwks_ttl_s
        self._cooldown = config.jwks_refetch_cooldown_s
        self._max_stale = config.jwks_max_stale_s
        self._timeout = config.http_timeout_s
        self._pauses: tuple[float | None, ...] = (*config.jwks_retry_backoff_s, None)
        self._clock = clock
        self._http = http
        self._keys: dict[str, RSAPublicKey] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._last_failed = False
        self._locks: WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = WeakKeyDictionary()
        self._sync_lock = threading.Lock()

    def cached(self, kid: str | None) -> RSAPublicKey | None:
        """The key for `kid` when it is cached and fresh, without any I/O."""
        fetched_at = self._fetched_at
        if kid is None or fetched_at is None or self._clock() - fetched_at >= self._ttl:
            return None
        return self._keys.get(kid)

    async def get(self, kid: str | None) -> RSAPublicKey:
        """The key for `kid`, fetching the JWKS when needed and allowed.

        Raises:
            TokenVerificationError: `jwk-kid-mismatch` or `jwk-remote-failed-to-load`.
        """
        if kid is None:
            raise TokenVerificationError(Reason.JWK_KID_MISMATCH)
        if self._needs_fetch(kid, self._clock()):
            lock = self._loop_lock()
            if lock.locked() and self._usable(kid, self._clock()):
                # Another caller is refreshing; a known key need not wait for a slow JWKS.
                return self._keys[kid]
            async with lock:
                # Another caller may have fetched while this one waited for the lock.
                if self._needs_fetch(kid, self._clock()):
                    await self._fetch(self._http)
        return self._select(kid, self._clock())

    def get_sync(self, kid: str | None) -> RSAPublicKey:
        """Like `get`, for synchronous callers; blocks while fetching.

        The fetch is `get`'s own, run on an event loop of its own in a thread of its own (the
        caller's thread may be running a loop already), with a short-lived client: an injected
        one belongs to the caller's loop.

        Raises:
            TokenVerificationError: `jwk-kid-mismatch` or `jwk-remote-failed-to-load`.
        """
        if kid is None:
            raise TokenVerificationError(Reason.JWK_KID_MISMATCH)
        if self._needs_fetch(kid, self._clock()):
            with self._sync_lock:
                if self._needs_fetch(kid, self._clock()):
                    with ThreadPoolExecutor(max_workers=1) as thread:
                        thread.submit(asyncio.run, self._fetch(None)).result()
        return self._select(kid, self._clock())

    def _loop_lock(self) -> asyncio.Lock:
        # An asyncio.Lock belongs to the loop it first waited in; a process-wide verifier may
        # outlive a loop (tests run one per test), so each loop gets a lock of its own.
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        return lock

    def _usable(self, kid: str, now: float) -> bool:
        return kid in self._keys and self._fetched_at is not None and now - self._fetched_at <= self._max_stale

    def _needs_fetch(self, kid: str, now: float) -> bool:
        fresh = self._fetched_at is not None and now - self._fetched_at < self._ttl
        if fresh and kid in self._keys:
            return False
        return self._attempted_at is None or now - self._attempted_at >= self._cooldown

    def _select(self, kid: str, now: float) -> RSAPublicKey:
        if self._usable(kid, now):
            return self._keys[kid]
        # After a failed fetch the key set may be missing or outdated, so a miss proves nothing.
        if self._last_failed or self._fetched_at is None or now - self._fetched_at > self._max_stale:
            raise TokenVerificationError(Reason.JWK_REMOTE_FAILED_TO_LOAD)
        raise TokenVerificationError(Reason.JWK_KID_MISMATCH)

    async def _fetch(self, http: httpx.AsyncClient | None) -> None:
        if http is not None:
            await self._fetch_with(http)
            return
        async with httpx.AsyncClient(timeout=self._timeout) as client:
            await self._fetch_with(client)

    async def _fetch_with(self, client: httpx.AsyncClient) -> None:
        failure: Exception | None = None
        for pause in self._pauses:
            try:
                response = await client.get(self._url, headers=self._headers, timeout=self._timeout)
                keys = _read(response)
            except (httpx.HTTPError, JwksDocumentError) as exc:
                failure = exc
            else:
                self._succeeded(keys)
                return
            if pause is not None:
                await asyncio.sleep(pause)
        self._failed(failure)

    def _succeeded(self, keys: dict[str, RSAPublicKey]) -> None:
        self._keys = keys
        self._fetched_at = self._attempted_at = self._clock()
        self._last_failed = False

    def _failed(self, failure: Exception | None) -> None:
        self._attempted_at = self._clock()
        self._last_failed = True
        logger.warning("Fetching the JWKS from %s failed: %s", self._url, failure)


def _read(response: httpx.Response) -> dict[str, RSAPublicKey]:
    if not response.is_success:
        raise JwksDocumentError(f"the JWKS URL answered HTTP {response.status_code}")
    return parse_jwks(response.content)
