"""The one request loop every Backend API call goes through: the secret key, ids in paths, retries.

Retries: a 429 (after its `Retry-After`, when that is short enough), a 5xx or a connection
failure is retried after the configured pauses; a timed-out request is not, since the caller
has already waited as long as it was willing to. Any other status is an error, unless the
caller accepts it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Collection, Mapping
from email.utils import parsedate_to_datetime
from typing import TypedDict
from urllib.parse import quote

import httpx

from smnb_app.config.clerk import DEFAULT_CLERK_API_URL

# An empty id would name the collection; httpx resolves "." and ".." to another route.
_NOT_IDS = ("", ".", "..")


class ClerkApiError(Exception):
    """The Backend API did not do what was asked; the message never holds the secret key."""


def _retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("Retry-After", "").strip()
    if raw.isdigit():
        return float(raw)
    try:
        return max(0.0, parsedate_to_datetime(raw).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _path(label: str, route: str, ids: Mapping[str, str]) -> str:
    """`route` with its `{name}` fields filled with percent-encoded ids."""
    for name, value in ids.items():
        if value in _NOT_IDS:
            raise ClerkApiError(f"{label}: {value!r} is not a {name}")
    return route.format_map({name: quote(value, safe="") for name, value in ids.items()})


class TransportOptions(TypedDict, total=False):
    """`ClerkTransport`'s keyword arguments, for clients that pass them through."""

    api_url: str
    timeout_s: float
    backoff_s: tuple[float, ...]
    max_retry_after_s: float


class ClerkTransport:
    """Sends Backend API requests with the secret key as a Bearer token, with bounded retries."""

    def __init__(
        self,
        secret_key: str,
        *,
        api_url: str = DEFAULT_CLERK_API_URL,
        timeout_s: float = 3.0,
        backoff_s: tuple[float, ...] = (0.25, 1.0),
        max_retry_after_s: float = 2.0,
    ) -> None:
        """Create a transport.

        Args:
            secret_key: The instance's `sk_test_...`/`sk_live_...` key, sent as a Bearer token.
            api_url: The Backend API's base URL.
            timeout_s: Timeout of one request; a timed-out request is not retried.
            backoff_s: Pauses before the retries of a 429, 5xx or connection failure; one
                attempt more than pauses is made.
            max_retry_after_s: The longest `Retry-After` that is honoured; longer ones give up.
        """
        self._headers = {"Authorization": f"Bearer {secret_key}", "Accept": "application/json"}
        self._api_url = api_url.rstrip("/")
        self._timeout_s = timeout_s
        self._backoff_s = backoff_s
        self._max_retry_after_s = max_retry_after_s

    async def send(
        self,
        client: httpx.AsyncClient,
        method: str,
        route: str,
        *,
        ids: Mapping[str, str] | None = None,
        params: Mapping[str, str | int] | None = None,
        accept: Collection[int] = (200,),
    ) -> httpx.Response:
        """Send `method route` until it is answered with an accepted status, or give up.

        Args:
            client: The client to send with.
            method: `GET`, `POST` or `DELETE`.
            route: The path with `{name}` fields, e.g. `/v1/users/{user_id}`; errors name the
                route, not the ids.
            ids: The values of the route's fields, percent-encoded into the path.
            params: The query parameters.
            accept: The statuses that are an answer rather than a failure.

        Returns:
            The response, whose status is one of `accept`.

        Raises:
            ClerkApiError: On any other status, a timeout, or once the retries are used up.
        """
        label = f"{method} {route}"
        url = self._api_url + _path(label, route, ids or {})
        pauses = iter(self._backoff_s)
        attempts = 0
        while True:
            attempts += 1
            outcome = await self._attempt(client, method, url, label, params, accept)
            if isinstance(outcome, httpx.Response):
                return outcome
            failure, requested_wait = outcome
            pause = next(pauses, None)
            if pause is None:
                raise ClerkApiError(f"{failure}; gave up after {attempts} attempts")
            await asyncio.sleep(pause if requested_wait is None else requested_wait)

    async def _attempt(
        self,
        client: httpx.AsyncClient,
        method: str,
        url: str,
        label: str,
        params: Mapping[str, str | int] | None,
        accept: Collection[int],
    ) -> httpx.Response | tuple[str, float | None]:
        """One request: the accepted response, or a retryable failure with the wait the server asked for."""
        try:
            response = await client.request(method, url, params=params, headers=self._headers, timeout=self._timeout_s)
        except httpx.TimeoutException:
            raise ClerkApiError(f"{label} timed out after {self._timeout_s:g} s") from None
        except httpx.TransportError as exc:
            return f"{label} failed ({type(exc).__name__})", None
        if response.status_code in accept:
            return response
        failure = f"{label} answered {response.status_code}"
        if response.status_code == 429:
            wait = _retry_after(response)
            if wait is not None and wait > self._max_retry_after_s:
                raise ClerkApiError(f"{failure} and asked to retry after {wait:g} s")
            return failure, wait
        if response.status_code >= 500:
            return failure, None
        raise ClerkApiError(failure)
