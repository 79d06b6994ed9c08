"""Every Backend API call retries alike and keeps the secret key out of its errors, against a real local server."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

import pytest

from smnb_app.providers.clerk.api import ClerkApiError, ClerkBackendApi
from tests.support.clerk_backend import ClerkBackendServer, Reply, clerk_user

USER_ID = "user_2retries"
SESSION_PATH = "/v1/sessions/sess_00001/revoke"


@pytest.fixture
def backend():
    with ClerkBackendServer() as server:
        server.users[USER_ID] = clerk_user(USER_ID, first="Ada", last=None, emails=[])
        server.add_session(USER_ID)
        yield server


def api_for(server: ClerkBackendServer, *, key: str | None = None, **options) -> ClerkBackendApi:
    """A client of `server` (with its key unless `key` is given) with short pauses, so retry tests stay fast."""
    settings = {"api_url": server.base_url, "backoff_s": (0.01, 0.01), "timeout_s": 2.0} | options
    return ClerkBackendApi(key or server.secret_key, **settings)


# Each call: its method and path, and how to make it.
CALLS: dict[str, tuple[str, str, Callable[[ClerkBackendApi], Awaitable[object]]]] = {
    "profile": ("GET", f"/v1/users/{USER_ID}", lambda api: api.get_profile(USER_ID)),
    "list": ("GET", "/v1/sessions", lambda api: api.list_active_sessions(USER_ID)),
    "revoke": ("POST", SESSION_PATH, lambda api: api.revoke_session("sess_00001")),
    "delete": ("DELETE", f"/v1/users/{USER_ID}", lambda api: api.delete_user(USER_ID)),
}
each_call = pytest.mark.parametrize("name", list(CALLS))


@each_call
async def test_rate_limit_is_retried_and_then_succeeds(backend: ClerkBackendServer, name: str) -> None:
    method, path, call = CALLS[name]
    backend.script(method, path, Reply(429, headers={"Retry-After": "0"}))
    started = time.monotonic()
    await call(api_for(backend, backoff_s=(5.0,)))
    assert time.monotonic() - started < 1.0
    assert backend.hits(path, method) == 2


@each_call
async def test_rate_limit_asking_for_too_long_a_wait_gives_up_at_once(backend: ClerkBackendServer, name: str) -> None:
    method, path, call = CALLS[name]
    backend.script(method, path, Reply(429, headers={"Retry-After": "60"}))
    with pytest.raises(ClerkApiError, match=f"^{method} .* answered 429 and asked to retry after 60 s$"):
        await call(api_for(backend))
    assert backend.hits(path, method) == 1


@each_call
async def test_server_errors_are_retried_then_give_up_naming_the_call(backend: ClerkBackendServer, name: str) -> None:
    method, path, call = CALLS[name]
    backend.script(method, path, Reply(500), Reply(502), Reply(503), Reply(200))
    with pytest.raises(ClerkApiError, match=f"^{method} .* answered 503; gave up after 3 attempts$") as caught:
        await call(api_for(backend))
    assert backend.hits(path, method) == 3
    assert backend.secret_key not in str(caught.value)


@each_call
async def test_a_server_error_then_success_succeeds(backend: ClerkBackendServer, name: str) -> None:
    method, path, call = CALLS[name]
    backend.script(method, path, Reply(503))
    await call(api_for(backend))
    assert backend.hits(path, method) == 2


@each_call
async def test_a_dropped_connection_is_retried(backend: ClerkBackendServer, name: str) -> None:
    method, path, call = CALLS[name]
    backend.script(method, path, Reply(0, drop=True))
    await call(api_for(backend))
    assert backend.hits(path, method) == 2


@each_call
async def test_an_unreachable_api_gives_up_after_bounded_retries(name: str) -> None:
    with ClerkBackendServer() as server:
        url = server.base_url
    with pytest.raises(ClerkApiError, match=r"failed \(ConnectError\); gave up after 3 attempts$") as caught:
        await CALLS[name][2](ClerkBackendApi("sk_test_unreachable", api_url=url, backoff_s=(0.01, 0.01)))
    assert "sk_test_unreachable" not in str(caught.value)


@each_call
async def test_a_timed_out_request_is_not_retried(backend: ClerkBackendServer, name: str) -> None:
    method, path, call = CALLS[name]
    backend.script(method, path, Reply(200, delay_s=0.5))
    started = time.monotonic()
    with pytest.raises(ClerkApiError, match=f"^{method} .* timed out after 0.1 s$"):
        await call(api_for(backend, timeout_s=0.1))
    assert time.monotonic() - started < 0.4
    assert backend.hits(path, method) == 1


@each_call
async def test_the_secret_key_is_sent_as_a_bearer_token(backend: ClerkBackendServer, name: str) -> None:
    await CALLS[name][2](api_for(backend))
    assert backend.calls and all(call.authorized for call in backend.calls)


@each_call
async def test_a_refused_key_is_not_retried_and_not_in_the_error(backend: ClerkBackendServer, name: str) -> None:
    method, path, call = CALLS[name]
    with pytest.raises(ClerkApiError, match=f"^{method} .* answered 401$") as caught:
        await call(api_for(backend, key="sk_test_wrong_key"))
    assert "sk_test_wrong_key" not in f"{caught.value} {caught.value!r}"
    assert [(c.method, c.path, c.authorized) for c in backend.calls] == [(method, path, False)]
