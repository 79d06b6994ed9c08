"""Clerk's Backend API, for what the server needs from it: profiles, sessions, deleting users.

Clerk's default session token carries no name or email, so the server reads them from
`GET /v1/users/{user_id}` with the instance's secret key. Signing a user out everywhere and
deleting an account go through `/v1/sessions` and `DELETE /v1/users/{user_id}`.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Unpack

import httpx

from smnb_app.providers.clerk.profiles import ClerkProfile, MalformedProfile, profile_from_user
from smnb_app.providers.clerk.transport import ClerkApiError, ClerkTransport, TransportOptions

__all__ = ["ClerkApiError", "ClerkBackendApi", "ClerkProfile", "MalformedProfile", "profile_from_user"]

# Clerk's largest page of `GET /v1/sessions`.
SESSIONS_PAGE_SIZE = 500
# Statuses of a revoke that mean the session is no longer active: gone, ended or revoked.
_NOT_ACTIVE = (400, 404, 410)


class ClerkBackendApi:
    """Calls the Backend API with bounded retries; profiles are remembered per user for a while."""

    def __init__(
        self,
        secret_key: str,
        *,
        cache_ttl_s: float = 300.0,
        cache_size: int = 1000,
        revoke_concurrency: int = 8,
        clock: Callable[[], float] = time.monotonic,
        **transport: Unpack[TransportOptions],
    ) -> None:
        """Create a client.

        Args:
            secret_key: The instance's `sk_test_...`/`sk_live_...` key, sent as a Bearer token.
            cache_ttl_s: How long a fetched profile is reused.
            cache_size: How many profiles are remembered; the least recently used go first.
            revoke_concurrency: How many revocations `revoke_all_sessions` sends at once.
            clock: Monotonic seconds, for the cache.
            **transport: The request loop's settings (`api_url`, `timeout_s`, `backoff_s`,
                `max_retry_after_s`; see `ClerkTransport`).

        Raises:
            ValueError: When `revoke_concurrency` is less than 1.
        """
        if revoke_concurrency < 1:
            raise ValueError("revoke_concurrency must be at least 1")
        self._transport = ClerkTransport(secret_key, **transport)
        self._cache_ttl_s = cache_ttl_s
        self._cache_size = cache_size
        self._revoke_concurrency = revoke_concurrency
        self._clock = clock
        self._cache: OrderedDict[str, tuple[float, ClerkProfile]] = OrderedDict()

    async def get_profile(self, user_id: str) -> ClerkProfile:
        """The user's profile, from the cache or from `GET /v1/users/{user_id}`.

        Args:
            user_id: The verified `sub` of a session token.

        Returns:
            The profile.

        Raises:
            ClerkApiError: When the user does not exist, the key is refused, the answer is no
                well-formed user, or the API keeps failing or is too slow.
        """
        cached = self._cache.get(user_id)
        if cached is not None and self._clock() < cached[0]:
            self._cache.move_to_end(user_id)
            return cached[1]
        # A client per call: a shared client would be bound to the first event loop that used it.
        async with httpx.AsyncClient() as client:
            response = await self._transport.send(client, "GET", "/v1/users/{user_id}", ids={"user_id": user_id})
        try:
            profile = profile_from_user(_user_json(response))
        except MalformedProfile as exc:
            raise ClerkApiError(f"GET /v1/users/{{user_id}} answered a malformed user: {exc}") from None
        self._remember(user_id, profile)
        return profile

    async def list_active_sessions(self, user_id: str) -> list[str]:
        """The ids of the user's active sessions, from every page of `GET /v1/sessions`.

        Args:
            user_id: The Clerk user id.

        Returns:
            The `sess_...` ids, each once, in Clerk's order.

        Raises:
            ClerkApiError: When the key is refused, an answer is not a list of sessions, or the
                API keeps failing or is too slow.
        """
        async with httpx.AsyncClient() as client:
            return await self._active_sessions(client, user_id)

    async def revoke_session(self, session_id: str) -> None:
        """Revoke a session with `POST /v1/sessions/{session_id}/revoke`.

        A session that is unknown, ended or already revoked counts as revoked: Clerk answers
        404, 410 or 400 for those.

        Args:
            session_id: The `sess_...` id.

        Raises:
            ClerkApiError: When the key is refused, or the API keeps failing or is too slow.
        """
        async with httpx.AsyncClient() as client:
            await self._revoke(client, session_id)

    async def revoke_all_sessions(self, user_id: str) -> list[str]:
        """Sign the user out everywhere: revoke each active session, a few at a time.

        Every session is tried even when some fail; the call is safe to repeat.

        Args:
            user_id: The Clerk user id.

        Returns:
            The ids of the sessions that were active and now are not.

        Raises:
            ClerkApiError: When the sessions cannot be listed, or any of them could not be
                revoked (the message says how many were).
        """
        async with httpx.AsyncClient() as client:
            session_ids = await self._active_sessions(client, user_id)
            slots = asyncio.Semaphore(self._revoke_concurrency)

            async def revoke(session_id: str) -> ClerkApiError | None:
                async with slots:
                    try:
                        await self._revoke(client, session_id)
                    except ClerkApiError as exc:
                        return exc
                return None

            async with asyncio.TaskGroup() as group:
                tasks = [group.create_task(revoke(session_id)) for session_id in session_ids]
        outcomes = zip(session_ids, (task.result() for task in tasks), strict=True)
        failures = [(session_id, error) for session_id, error in outcomes if error is not None]
        if failures:
            first_id, first = failures[0]
            raise ClerkApiError(
                f"revoked {len(session_ids) - len(failures)} of {len(session_ids)} sessions; {first_id}: {first}"
            )
        return session_ids

    async def delete_user(self, user_id: str) -> None:
        """Delete the user with `DELETE /v1/users/{user_id}`; an unknown user counts as deleted.

        Args:
            user_id: The Clerk user id.

        Raises:
            ClerkApiError: When the key is refused, or the API keeps failing or is too slow.
        """
        async with httpx.AsyncClient() as client:
            await self._transport.send(
                client, "DELETE", "/v1/users/{user_id}", ids={"user_id": user_id}, accept=(200, 404)
            )
        self.forget_profile(user_id)

    async def _active_sessions(self, client: httpx.AsyncClient, user_id: str) -> list[str]:
        # Keyed by id: a session that moves between pages while they are read is listed once.
        found: dict[str, None] = {}
        offset = 0
        while True:
            response = await self._transport.send(
                client,
                "GET",
                "/v1/sessions",
                params={"user_id": user_id, "status": "active", "limit": SESSIONS_PAGE_SIZE, "offset": offset},
            )
            page = _session_ids(response)
            known = len(found)
            found.update(dict.fromkeys(page))
            if len(page) < SESSIONS_PAGE_SIZE:
                return list(found)
            if len(found) == known:
                # An API that ignores `offset` would otherwise be asked for pages forever.
                raise ClerkApiError("GET /v1/sessions answered the same full page again")
            offset += SESSIONS_PAGE_SIZE

    async def _revoke(self, client: httpx.AsyncClient, session_id: str) -> None:
        await self._transport.send(
            client,
            "POST",
            "/v1/sessions/{session_id}/revoke",
            ids={"session_id": session_id},
            accept=(200, *_NOT_ACTIVE),
        )

    def forget_profile(self, user_id: str) -> None:
        """Drop a cached profile (a webhook just said it changed).

        Args:
            user_id: The Clerk user id.
        """
        self._cache.pop(user_id, None)

    def _remember(self, user_id: str, profile: ClerkProfile) -> None:
        self._cache[user_id] = (self._clock() + self._cache_ttl_s, profile)
        self._cache.move_to_end(user_id)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)


def _json(response: httpx.Response, label: str) -> Any:
    try:
        return response.json()
    except (ValueError, RecursionError):
        raise ClerkApiError(f"{label} answered with invalid JSON") from None


def _user_json(response: httpx.Response) -> Mapping[str, Any]:
    user = _json(response, "GET /v1/users/{user_id}")
    if not isinstance(user, Mapping) or not user.get("id"):
        raise ClerkApiError("GET /v1/users/{user_id} answered without a user object")
    return user


def _session_ids(response: httpx.Response) -> list[str]:
    sessions = _json(response, "GET /v1/sessions")
    if not isinstance(sessions, list) or not all(
        isinstance(s, Mapping) and isinstance(s.get("id"), str) and s["id"] for s in sessions
    ):
        raise ClerkApiError("GET /v1/sessions answered without a list of sessions")
    return [session["id"] for session in sessions]
