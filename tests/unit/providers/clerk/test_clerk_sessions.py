"""Listing and revoking a user's Clerk sessions, and deleting the user, against a real local HTTP server."""

from __future__ import annotations

import pytest

from smnb_app.providers.clerk.api import ClerkApiError, ClerkBackendApi
from tests.support.clerk_backend import ClerkBackendServer, Reply, clerk_user

USER_ID = "user_2sessions"
OTHER_ID = "user_2other"


@pytest.fixture
def backend():
    with ClerkBackendServer() as server:
        for user_id in (USER_ID, OTHER_ID):
            server.users[user_id] = clerk_user(user_id, first="Ada", last=None, emails=[])
        yield server


def api_for(server: ClerkBackendServer, **options) -> ClerkBackendApi:
    """A client of `server` with short pauses, so retry tests stay fast."""
    settings = {"api_url": server.base_url, "backoff_s": (0.01, 0.01), "timeout_s": 2.0} | options
    return ClerkBackendApi(server.secret_key, **settings)


def session_queries(server: ClerkBackendServer) -> list[dict[str, str]]:
    """The queries of the `GET /v1/sessions` requests so far."""
    return [call.query for call in server.calls if (call.method, call.path) == ("GET", "/v1/sessions")]


async def test_sessions_are_listed_across_pages_of_500(backend: ClerkBackendServer) -> None:
    created = {backend.add_session(USER_ID) for _ in range(1100)}
    listed = await api_for(backend).list_active_sessions(USER_ID)
    assert sorted(listed) == sorted(created)
    assert session_queries(backend) == [
        {"user_id": USER_ID, "status": "active", "limit": "500", "offset": offset} for offset in ("0", "500", "1000")
    ]


async def test_a_last_page_that_is_exactly_full_is_followed_by_one_empty_page(backend: ClerkBackendServer) -> None:
    for _ in range(500):
        backend.add_session(USER_ID)
    assert len(await api_for(backend).list_active_sessions(USER_ID)) == 500
    assert [query["offset"] for query in session_queries(backend)] == ["0", "500"]


async def test_an_api_repeating_a_full_page_is_an_error_not_an_endless_listing(backend: ClerkBackendServer) -> None:
    page = Reply(200, [{"object": "session", "id": f"sess_{i}"} for i in range(500)])
    backend.script("GET", "/v1/sessions", page, page, page)
    with pytest.raises(ClerkApiError, match="answered the same full page again"):
        await api_for(backend).list_active_sessions(USER_ID)
    assert [query["offset"] for query in session_queries(backend)] == ["0", "500"]


async def test_only_the_users_active_sessions_are_listed(backend: ClerkBackendServer) -> None:
    active = [backend.add_session(USER_ID), backend.add_session(USER_ID)]
    backend.add_session(USER_ID, status="revoked")
    backend.add_session(USER_ID, status="ended")
    backend.add_session(OTHER_ID)
    assert sorted(await api_for(backend).list_active_sessions(USER_ID)) == active


async def test_a_user_without_sessions_has_none_after_one_request(backend: ClerkBackendServer) -> None:
    assert await api_for(backend).list_active_sessions(USER_ID) == []
    assert len(session_queries(backend)) == 1


@pytest.mark.parametrize("body", [{"data": []}, [{"object": "session"}], [{"id": ""}], "sess_1"])
async def test_a_sessions_answer_that_is_not_a_list_of_sessions_is_an_error(
    backend: ClerkBackendServer, body: object
) -> None:
    backend.script("GET", "/v1/sessions", Reply(200, body))
    with pytest.raises(ClerkApiError, match="GET /v1/sessions answered without a list of sessions"):
        await api_for(backend).list_active_sessions(USER_ID)


async def test_revoking_an_active_session_revokes_it(backend: ClerkBackendServer) -> None:
    session_id = backend.add_session(USER_ID)
    await api_for(backend).revoke_session(session_id)
    assert backend.status_of(session_id) == "revoked"
    assert backend.hits(f"/v1/sessions/{session_id}/revoke", "POST") == 1


@pytest.mark.parametrize("status", ["revoked", "ended"])
async def test_revoking_a_session_that_is_no_longer_active_is_done(backend: ClerkBackendServer, status: str) -> None:
    session_id = backend.add_session(USER_ID, status=status)
    await api_for(backend).revoke_session(session_id)
    assert backend.status_of(session_id) == status
    assert backend.hits(f"/v1/sessions/{session_id}/revoke") == 1


async def test_revoking_an_unknown_session_is_done(backend: ClerkBackendServer) -> None:
    await api_for(backend).revoke_session("sess_missing")
    assert backend.hits("/v1/sessions/sess_missing/revoke") == 1


async def test_revoking_a_gone_session_is_done(backend: ClerkBackendServer) -> None:
    backend.script("POST", "/v1/sessions/sess_gone/revoke", Reply(410))
    await api_for(backend).revoke_session("sess_gone")
    assert backend.hits("/v1/sessions/sess_gone/revoke") == 1


async def test_revoking_with_a_refused_key_is_an_error_not_done(backend: ClerkBackendServer) -> None:
    session_id = backend.add_session(USER_ID)
    api = ClerkBackendApi("sk_test_wrong", api_url=backend.base_url, backoff_s=(0.01,))
    with pytest.raises(ClerkApiError, match=r"POST /v1/sessions/\{session_id\}/revoke answered 401"):
        await api.revoke_session(session_id)
    assert backend.status_of(session_id) == "active"


async def test_revoke_all_revokes_each_active_session_and_returns_their_ids(backend: ClerkBackendServer) -> None:
    active = [backend.add_session(USER_ID) for _ in range(3)]
    revoked = backend.add_session(USER_ID, status="revoked")
    others = backend.add_session(OTHER_ID)
    assert sorted(await api_for(backend).revoke_all_sessions(USER_ID)) == active
    assert [backend.status_of(s) for s in active] == ["revoked"] * 3
    assert backend.status_of(others) == "active"
    assert backend.hits(f"/v1/sessions/{revoked}/revoke") == 0


async def test_revoke_all_without_sessions_revokes_nothing(backend: ClerkBackendServer) -> None:
    assert await api_for(backend).revoke_all_sessions(USER_ID) == []
    assert [call.method for call in backend.calls] == ["GET"]


async def test_revoke_all_sends_revocations_concurrently_within_the_bound(backend: ClerkBackendServer) -> None:
    for session_id in [backend.add_session(USER_ID) for _ in range(6)]:
        backend.script("POST", f"/v1/sessions/{session_id}/revoke", Reply(200, delay_s=0.05))
    assert len(await api_for(backend, revoke_concurrency=2).revoke_all_sessions(USER_ID)) == 6
    assert backend.peak_in_flight == 2


async def test_revoke_all_tries_every_session_and_says_how_many_failed(backend: ClerkBackendServer) -> None:
    failing, *fine = [backend.add_session(USER_ID) for _ in range(3)]
    backend.script("POST", f"/v1/sessions/{failing}/revoke", *[Reply(500)] * 3)
    with pytest.raises(ClerkApiError, match=rf"^revoked 2 of 3 sessions; {failing}: POST .* answered 500; gave up"):
        await api_for(backend).revoke_all_sessions(USER_ID)
    assert [backend.status_of(s) for s in fine] == ["revoked", "revoked"]


def test_revoke_concurrency_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="revoke_concurrency"):
        ClerkBackendApi("sk_test_x", revoke_concurrency=0)


async def test_deleting_a_user_deletes_them_in_clerk(backend: ClerkBackendServer) -> None:
    session_id = backend.add_session(USER_ID)
    await api_for(backend).delete_user(USER_ID)
    assert USER_ID not in backend.users
    assert backend.status_of(session_id) == "revoked"
    assert backend.hits(f"/v1/users/{USER_ID}", "DELETE") == 1


async def test_deleting_an_unknown_user_is_done(backend: ClerkBackendServer) -> None:
    await api_for(backend).delete_user("user_missing")
    assert backend.hits("/v1/users/user_missing", "DELETE") == 1


async def test_deleting_a_user_forgets_their_cached_profile(backend: ClerkBackendServer) -> None:
    api = api_for(backend)
    await api.get_profile(USER_ID)
    await api.delete_user(USER_ID)
    with pytest.raises(ClerkApiError, match="answered 404"):
        await api.get_profile(USER_ID)


async def test_ids_are_percent_encoded_into_one_path_segment(backend: ClerkBackendServer) -> None:
    api = api_for(backend)
    await api.revoke_session("sess/../x?y")
    await api.delete_user("user a/b#c")
    assert [(call.method, call.path, call.query) for call in backend.calls] == [
        ("POST", "/v1/sessions/sess%2F..%2Fx%3Fy/revoke", {}),
        ("DELETE", "/v1/users/user%20a%2Fb%23c", {}),
    ]


@pytest.mark.parametrize("bad_id", ["", ".", ".."])
async def test_an_empty_or_dot_id_is_refused_before_any_request(backend: ClerkBackendServer, bad_id: str) -> None:
    api = api_for(backend)
    with pytest.raises(ClerkApiError, match="is not a user_id"):
        await api.delete_user(bad_id)
    with pytest.raises(ClerkApiError, match="is not a session_id"):
        await api.revoke_session(bad_id)
    assert backend.calls == []
