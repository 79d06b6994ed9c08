"""Clerk's Backend API, for the one thing the server needs from it: a user's profile.

Clerk's default session token carries no name or email, so the server reads them from
`GET /v1/users/{user_id}` with the instance's secret key.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx

from smnb_app.providers.clerk.config import DEFAULT_CLERK_API_URL


class ClerkApiError(Exception):
    """The Backend API did not answer with a user; the message never holds the secret key."""


@dataclass(frozen=True)
class ClerkProfile:
    """The profile fields of a Clerk user, as the Backend API returns them."""

    user_id: str
    first_name: str | None
    last_name: str | None
    username: str | None
    email: str | None
    image_url: str | None

    def as_claims(self) -> dict[str, str]:
        """The profile as the claims a session-token template would carry (absent when unknown).

        Returns:
            `first_name`, `last_name`, `name` (the username, when there is no first or last
            name), `email` and `image_url`, for `identity_from_claims`.
        """
        name = None if self.first_name or self.last_name else self.username
        claims = {"first_name": self.first_name, "last_name": self.last_name, "name": name,
                  "email": self.email, "image_url": self.image_url}
        return {key: value for key, value in claims.items() if value}


def profile_from_user(user: Mapping[str, Any]) -> ClerkProfile:
    """Read a Backend API user object; the email is the one `primary_email_address_id` names.

    Args:
        user: The JSON of `GET /v1/users/{user_id}`.

    Returns:
        The profile.
    """
    primary_id = user.get("primary_email_address_id")
    addresses = user.get("email_addresses") or []
    email = next((a.get("email_address") for a in addresses if isinstance(a, Mapping) and a.get("id") == primary_id),
                 None)

    def text(key: str) -> str | None:
        value = user.get(key)
        return value.strip() or None if isinstance(value, str) else None

    return ClerkProfile(
        user_id=str(user.get("id", "")),
        first_name=text("first_name"),
        last_name=text("last_name"),
        username=text("username"),
        email=email if isinstance(email, str) and email else None,
        image_url=text("image_url"),
    )


def _retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("Retry-After", "").strip()
    if raw.isdigit():
        return float(raw)
    try:
        return max(0.0, parsedate_to_datetime(raw).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class ClerkBackendApi:
    """Fetches user profiles with bounded retries, and remembers them per user for a while."""

    def __init__(
        self,
        secret_key: str,
        *,
        api_url: str = DEFAULT_CLERK_API_URL,
        timeout_s: float = 3.0,
        backoff_s: tuple[float, ...] = (0.25, 1.0),
        max_retry_after_s: float = 2.0,
        cache_ttl_s: float = 300.0,
        cache_size: int = 1000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Create a client.

        Args:
            secret_key: The instance's `sk_test_...`/`sk_live_...` key, sent as a Bearer token.
            api_url: The Backend API's base URL.
            timeout_s: Timeout of one request; a timed-out request is not retried.
            backoff_s: Pauses before the retries of a 429, 5xx or connection failure; one
                attempt more than pauses is made.
            max_retry_after_s: The longest `Retry-After` that is honoured; longer ones give up.
            cache_ttl_s: How long a fetched profile is reused.
            cache_size: How many profiles are remembered; the least recently used go first.
            clock: Monotonic seconds, for the cache.
        """
        self._headers = {"Authorization": f"Bearer {secret_key}", "Accept": "application/json"}
        self._api_url = api_url.rstrip("/")
        self._timeout_s = timeout_s
        self._backoff_s = backoff_s
        self._max_retry_after_s = max_retry_after_s
        self._cache_ttl_s = cache_ttl_s
        self._cache_size = cache_size
        self._clock = clock
        self._cache: OrderedDict[str, tuple[float, ClerkProfile]] = OrderedDict()

    async def get_profile(self, user_id: str) -> ClerkProfile:
        """The user's profile, from the cache or from `GET /v1/users/{user_id}`.

        Args:
            user_id: The verified `sub` of a session token.

        Returns:
            The profile.

        Raises:
            ClerkApiError: When the user does not exist, the key is refused, or the API keeps
                failing or is too slow.
        """
        cached = self._cache.get(user_id)
        if cached is not None and self._clock() < cached[0]:
            self._cache.move_to_end(user_id)
            return cached[1]
        # A client per fetch: profiles are fetched once per user every few minutes, and a
        # shared client would be bound to the first event loop that used it.
        async with httpx.AsyncClient() as client:
            user = await self._fetch(client, user_id)
        profile = profile_from_user(user)
        self._remember(user_id, profile)
        return profile

    def _remember(self, user_id: str, profile: ClerkProfile) -> None:
        self._cache[user_id] = (self._clock() + self._cache_ttl_s, profile)
        self._cache.move_to_end(user_id)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    async def _fetch(self, client: httpx.AsyncClient, user_id: str) -> Mapping[str, Any]:
        url = f"{self._api_url}/v1/users/{quote(user_id, safe='')}"
        pauses = iter(self._backoff_s)
        attempts = 0
        while True:
            attempts += 1
            outcome = await self._attempt(client, url)
            if isinstance(outcome, Mapping):
                return outcome
            failure, requested_wait = outcome
            pause = next(pauses, None)
            if pause is None:
                raise ClerkApiError(f"{failure}; gave up after {attempts} attempts")
            await asyncio.sleep(pause if requested_wait is None else requested_wait)

    async def _attempt(self, client: httpx.AsyncClient, url: str) -> Mapping[str, Any] | tuple[str, float | None]:
        """One request: the user, or a retryable failure with the wait the server asked for."""
        try:
            response = await client.get(url, headers=self._headers, timeout=self._timeout_s)
        except httpx.TimeoutException:
            raise ClerkApiError(f"GET /v1/users timed out after {self._timeout_s:g} s") from None
        except httpx.TransportError as exc:
            return f"GET /v1/users failed ({type(exc).__name__})", None
        if response.status_code == 200:
            return self._user_json(response)
        failure = f"GET /v1/users answered {response.status_code}"
        if response.status_code == 429:
            wait = _retry_after(response)
            if wait is not None and wait > self._max_retry_after_s:
                raise ClerkApiError(f"{failure} and asked to retry after {wait:g} s")
            return failure, wait
        if response.status_code >= 500:
            return failure, None
        raise ClerkApiError(failure)

    @staticmethod
    def _user_json(response: httpx.Response) -> Mapping[str, Any]:
        try:
            user = response.json()
        except ValueError:
            raise ClerkApiError("GET /v1/users answered with invalid JSON") from None
        if not isinstance(user, Mapping) or not user.get("id"):
            raise ClerkApiError("GET /v1/users answered without a user object")
        return user
