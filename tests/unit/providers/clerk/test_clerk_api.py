"""The Backend API profile client against a real local HTTP server; test_clerk_retries covers every call's retries."""

from __future__ import annotations

import time
from email.message import Message
from email.utils import formatdate

import pytest

from smnb_app.providers.clerk.api import ClerkApiError, ClerkBackendApi, profile_from_user
from tests.support.clerk_backend import ClerkBackendServer, Reply, clerk_user
from tests.support.clock import FakeClock
from tests.support.loopback import LoopbackServer

USER_ID = "user_2abcDEF"
USER_PATH = f"/v1/users/{USER_ID}"


@pytest.fixture
def backend():
    with ClerkBackendServer() as server:
        server.users[USER_ID] = clerk_user(
            USER_ID, first="Ada", last="Lovelace", emails=["ada@example.com"], image_url="https://img.clerk.com/ada.png"
        )
        yield server


def api_for(server: ClerkBackendServer, **options) -> ClerkBackendApi:
    """A client of `server` with short pauses, so retry tests stay fast."""
    settings = {"api_url": server.base_url, "backoff_s": (0.01, 0.01), "timeout_s": 2.0} | options
    return ClerkBackendApi(server.secret_key, **settings)


async def test_profile_is_read_with_the_secret_key(backend: ClerkBackendServer) -> None:
    profile = await api_for(backend).get_profile(USER_ID)
    assert profile.as_claims() == {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "image_url": "https://img.clerk.com/ada.png",
    }
    assert backend.hits(USER_PATH) == 1


async def test_unknown_user_is_a_404_without_retrying(backend: ClerkBackendServer) -> None:
    with pytest.raises(ClerkApiError, match="answered 404"):
        await api_for(backend).get_profile("user_missing")
    assert backend.hits("/v1/users/user_missing") == 1


async def test_rate_limit_is_retried_after_the_time_the_server_asks_for(backend: ClerkBackendServer) -> None:
    backend.replies.append(Reply(429, {"errors": []}, {"Retry-After": "1"}))
    started = time.monotonic()
    profile = await api_for(backend).get_profile(USER_ID)
    assert profile.email == "ada@example.com"
    assert time.monotonic() - started >= 1.0
    assert backend.hits(USER_PATH) == 2


async def test_rate_limit_with_a_past_http_date_is_retried_at_once(backend: ClerkBackendServer) -> None:
    backend.replies.append(Reply(429, {"errors": []}, {"Retry-After": formatdate(time.time() - 60, usegmt=True)}))
    started = time.monotonic()
    assert (await api_for(backend, backoff_s=(5.0, 5.0)).get_profile(USER_ID)).first_name == "Ada"
    assert time.monotonic() - started < 1.0
    assert backend.hits(USER_PATH) == 2


async def test_a_server_error_then_success_returns_the_profile(backend: ClerkBackendServer) -> None:
    backend.replies.append(Reply(503))
    assert (await api_for(backend).get_profile(USER_ID)).first_name == "Ada"
    assert backend.hits(USER_PATH) == 2


async def test_answer_that_is_not_a_user_is_an_error(backend: ClerkBackendServer) -> None:
    backend.replies.append(Reply(200, ["not", "a", "user"]))
    with pytest.raises(ClerkApiError, match="without a user object"):
        await api_for(backend).get_profile(USER_ID)


async def test_profile_is_cached_per_user_until_it_is_a_few_minutes_old(backend: ClerkBackendServer) -> None:
    clock = FakeClock()
    api = api_for(backend, clock=clock, cache_ttl_s=300)
    await api.get_profile(USER_ID)
    backend.users[USER_ID]["first_name"] = "Augusta"
    clock.advance(299)
    assert (await api.get_profile(USER_ID)).first_name == "Ada"
    assert backend.hits(USER_PATH) == 1
    clock.advance(2)
    assert (await api.get_profile(USER_ID)).first_name == "Augusta"
    assert backend.hits(USER_PATH) == 2


async def test_cache_is_bounded_and_forgets_the_least_recently_used(backend: ClerkBackendServer) -> None:
    for user_id in ("user_a", "user_b"):
        backend.users[user_id] = clerk_user(user_id, first=user_id, last=None, emails=[])
    api = api_for(backend, cache_size=2)
    for user_id in (USER_ID, "user_a", USER_ID, "user_b", USER_ID, "user_a"):
        await api.get_profile(user_id)
    assert (backend.hits(USER_PATH), backend.hits("/v1/users/user_a"), backend.hits("/v1/users/user_b")) == (1, 2, 1)


async def test_failures_are_not_cached(backend: ClerkBackendServer) -> None:
    backend.replies.append(Reply(404))
    api = api_for(backend)
    with pytest.raises(ClerkApiError):
        await api.get_profile(USER_ID)
    assert (await api.get_profile(USER_ID)).first_name == "Ada"


def test_primary_email_is_the_one_primary_email_address_id_names() -> None:
    user = clerk_user("user_x", first=None, last=None, emails=["old@example.com", "new@example.com"], primary=1)
    assert profile_from_user(user).email == "new@example.com"
    user["primary_email_address_id"] = None
    assert profile_from_user(user).email is None


def test_username_stands_in_for_a_missing_name() -> None:
    user = clerk_user("user_x", first=" ", last=None, emails=[]) | {"username": "ada"}
    assert profile_from_user(user).as_claims() == {"name": "ada"}


async def test_a_forgotten_profile_is_read_again_with_its_version(backend: ClerkBackendServer) -> None:
    backend.users[USER_ID]["updated_at"] = 1_800_000_000_000
    api = api_for(backend)
    assert (await api.get_profile(USER_ID)).updated_at == 1_800_000_000_000
    await api.get_profile(USER_ID)
    assert backend.hits(USER_PATH) == 1
    backend.users[USER_ID].update(first_name="Augusta", updated_at=1_800_000_000_500)
    api.forget_profile(USER_ID)
    fresh = await api.get_profile(USER_ID)
    assert (fresh.first_name, fresh.updated_at, backend.hits(USER_PATH)) == ("Augusta", 1_800_000_000_500, 2)


@pytest.mark.parametrize(
    "fields",
    [
        {"email_addresses": 5},
        {"email_addresses": ["ada@example.com"]},
        {"first_name": 7},
        {"image_url": {"url": "https://img.clerk.com/ada.png"}},
        {"updated_at": 2**70},
        {"last_name": "Love\x00lace"},
    ],
)
async def test_a_user_object_with_fields_of_other_types_is_an_error_and_is_not_cached(
    backend: ClerkBackendServer, fields: dict
) -> None:
    backend.replies.append(Reply(200, backend.users[USER_ID] | fields))
    api = api_for(backend)
    with pytest.raises(ClerkApiError, match="malformed user"):
        await api.get_profile(USER_ID)
    assert (await api.get_profile(USER_ID)).first_name == "Ada"


class RawBodyServer(LoopbackServer):
    """Answers every request with 200 and one raw body (what `json.dumps` cannot write)."""

    def __init__(self, body: bytes) -> None:
        super().__init__()
        self.body = body

    def answer(self, method: str, path: str, headers: Message, body: bytes) -> tuple[int, dict[str, str], bytes]:
        return 200, {}, self.body


async def test_an_answer_nested_too_deep_is_an_error() -> None:
    with RawBodyServer(b'{"id": "user_2abcDEF", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}") as server:
        api = ClerkBackendApi("sk_test_raw", api_url=server.base_url, backoff_s=())
        with pytest.raises(ClerkApiError, match="invalid JSON"):
            await api.get_profile(USER_ID)


def test_a_primary_email_id_of_null_matches_no_address_even_one_without_an_id() -> None:
    user = clerk_user("user_x", first=None, last=None, emails=[]) | {
        "primary_email_address_id": None,
        "email_addresses": [{"email_address": "no-id@example.com"}],
    }
    assert profile_from_user(user).email is None
