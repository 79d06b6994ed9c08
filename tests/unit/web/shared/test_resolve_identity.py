"""Profiles for sign-in: verified claims first, Clerk's Backend API when the token has none."""

from __future__ import annotations

import logging

import pytest

from smnb_app.auth import SessionClaims
from smnb_app.config.settings import Settings
from smnb_app.providers.clerk.api import ClerkBackendApi
from smnb_app.services.identity.users import identity_from_claims
from smnb_app.web.shared import runtime
from tests.support.auth import ISSUER, issuer_for, pem_verifier
from tests.support.clerk_backend import ClerkBackendServer, Reply, clerk_user
from tests.support.clock import FakeClock
from tests.support.settings import publishable_key

USER_ID = "user_2profile"


async def verified(*, name: str | None = None, email: str | None = None, picture: str | None = None) -> SessionClaims:
    """The verified claims of a fresh token for USER_ID carrying these profile claims."""
    clock = FakeClock()
    token = issuer_for(clock).issue(sub=USER_ID, name=name, email=email, picture=picture)
    return await pem_verifier(clock).verify(token)


@pytest.fixture
def backend(monkeypatch: pytest.MonkeyPatch):
    with ClerkBackendServer() as server:
        server.users[USER_ID] = clerk_user(
            USER_ID,
            first="Grace",
            last="Hopper",
            emails=["grace@example.com"],
            image_url="https://img.clerk.com/grace.png",
        )
        api = ClerkBackendApi(server.secret_key, api_url=server.base_url, backoff_s=(0.01,))
        monkeypatch.setattr(runtime, "get_clerk_api", lambda: api)
        yield server


async def test_token_without_profile_claims_gets_the_profile_from_the_backend_api(backend) -> None:
    identity = await runtime.resolve_identity(await verified())
    assert (identity.token_identifier, identity.name, identity.email, identity.avatar_url) == (
        f"{ISSUER}|{USER_ID}",
        "Grace Hopper",
        "grace@example.com",
        "https://img.clerk.com/grace.png",
    )


async def test_token_with_profile_claims_never_calls_the_backend_api(backend) -> None:
    identity = await runtime.resolve_identity(await verified(email="g@navy.example", name="Amazing Grace"))
    assert (identity.name, identity.email) == ("Amazing Grace", "g@navy.example")
    assert backend.hits(f"/v1/users/{USER_ID}") == 0


async def test_backend_api_failure_falls_back_to_the_claims_with_a_warning(backend, caplog) -> None:
    backend.replies.extend([Reply(500), Reply(500)])
    with caplog.at_level(logging.WARNING, logger=runtime.__name__):
        identity = await runtime.resolve_identity(await verified(picture="https://img.example/p.png"))
    assert (identity.name, identity.email, identity.avatar_url) == ("Unknown User", None, "https://img.example/p.png")
    assert "gave up after 2 attempts" in caplog.text
    assert backend.secret_key not in caplog.text


async def test_without_a_backend_api_the_claims_are_all_there_is(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "get_clerk_api", lambda: None)
    identity = await runtime.resolve_identity(await verified())
    assert (identity.name, identity.email) == ("Unknown User", None)


@pytest.mark.parametrize(
    ("settings", "has_api"),
    [
        (Settings(), False),
        (Settings(auth_provider="clerk", clerk_publishable_key=publishable_key("clerk.example.com")), False),
        (
            Settings(
                auth_provider="clerk",
                clerk_publishable_key=publishable_key("clerk.example.com"),
                clerk_secret_key="sk_test_x",
            ),
            True,
        ),
    ],
)
def test_backend_api_is_used_only_in_clerk_mode_with_a_secret_key(monkeypatch, settings, has_api) -> None:
    monkeypatch.setattr(runtime, "get_settings", lambda: settings)
    runtime.get_provider.cache_clear()
    try:
        assert (runtime.get_clerk_api() is not None) == has_api
    finally:
        runtime.get_provider.cache_clear()


def test_lone_surrogates_in_profile_claims_are_dropped_before_they_reach_the_database() -> None:
    identity = identity_from_claims(
        issuer="https://i.test",
        subject="user_1",
        claims={"name": "Ada\ud800 L", "email": "\udfff", "picture": "https://p/\ud83d"},
    )
    assert (identity.name, identity.email, identity.avatar_url) == ("Ada L", None, "https://p/")


async def test_a_profile_is_versioned_by_its_source(backend, monkeypatch: pytest.MonkeyPatch) -> None:
    from_api = await runtime.resolve_identity(await verified())
    assert from_api.profile_updated_at == backend.users[USER_ID]["updated_at"]
    from_claims = await verified(email="g@navy.example", name="Amazing Grace")
    assert from_claims.iat is not None
    assert (await runtime.resolve_identity(from_claims)).profile_updated_at == int(from_claims.iat * 1000)
    monkeypatch.setattr(runtime, "get_clerk_api", lambda: None)
    # No profile in the token and none from the API: version 0 keeps any stored profile.
    assert (await runtime.resolve_identity(await verified())).profile_updated_at == 0
