"""`POST /webhooks/clerk`: every answer of the endpoint, for deliveries signed with the Svix library."""

from __future__ import annotations

import time

import httpx
import pytest

from smnb_app.db.availability import DatabaseUnavailable
from smnb_app.providers.clerk.webhooks import MAX_BODY_BYTES, ClerkEvent, clerk_webhook_routes
from tests.support.svix_signing import (
    SECRET,
    clerk_session_event,
    clerk_user_deleted,
    clerk_user_event,
    signed_delivery,
)


class Recorder:
    """Applies each delivery once, like the app: a repeated `svix-id` is not applied again."""

    def __init__(self) -> None:
        self.events: list[ClerkEvent] = []

    async def __call__(self, event: ClerkEvent) -> bool:
        if any(seen.delivery_id == event.delivery_id for seen in self.events):
            return False
        self.events.append(event)
        return True


def client(handle: Recorder, secret: str | None = SECRET) -> httpx.AsyncClient:
    app = clerk_webhook_routes(secret=secret, handle=handle)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app.test")


async def post(handle: Recorder, body: bytes, headers: dict[str, str], **kwargs) -> httpx.Response:
    async with client(handle, **kwargs) as http:
        return await http.post("/webhooks/clerk", content=body, headers=headers)


async def test_a_signed_user_update_is_handed_over_as_a_typed_event() -> None:
    handle = Recorder()
    response = await post(handle, *signed_delivery(clerk_user_event("user.updated", "user_abc"), delivery_id="msg_1"))
    assert (response.status_code, response.json()) == (200, {"ok": "applied"})
    (event,) = handle.events
    assert (event.delivery_id, event.type, event.user_id, event.updated_at) == (
        "msg_1", "user.updated", "user_abc", 1_800_000_000_000)
    assert event.profile is not None and event.profile.email == "ada@example.com"


@pytest.mark.parametrize("kind", ["session.ended", "session.removed", "session.revoked"])
async def test_session_events_carry_the_session_and_its_user(kind: str) -> None:
    handle = Recorder()
    await post(handle, *signed_delivery(clerk_session_event(kind, "sess_1", "user_abc"), delivery_id="msg_1"))
    assert [(e.type, e.session_id, e.user_id) for e in handle.events] == [(kind, "sess_1", "user_abc")]


async def test_user_deleted_carries_the_user() -> None:
    handle = Recorder()
    await post(handle, *signed_delivery(clerk_user_deleted("user_abc"), delivery_id="msg_1"))
    assert [(e.type, e.user_id) for e in handle.events] == [("user.deleted", "user_abc")]


async def test_a_bad_signature_is_400_and_nothing_is_handed_over() -> None:
    handle = Recorder()
    body, headers = signed_delivery(clerk_user_deleted("user_abc"), delivery_id="msg_1")
    forged = body.replace(b"user_abc", b"user_xyz")
    response = await post(handle, forged, headers)
    assert response.status_code == 400 and handle.events == []


async def test_another_endpoints_secret_is_400() -> None:
    handle = Recorder()
    other = "whsec_" + "b3RoZXItc2VjcmV0LW9mLTMyLWJ5dGVzISE="
    response = await post(handle, *signed_delivery(clerk_user_deleted("user_abc"), delivery_id="m", secret=other))
    assert response.status_code == 400 and handle.events == []


@pytest.mark.parametrize("offset_s", [-600, 600])
async def test_a_timestamp_outside_svixs_tolerance_is_400(offset_s: int) -> None:
    handle = Recorder()
    body, headers = signed_delivery(clerk_user_deleted("user_abc"), delivery_id="m", at=time.time() + offset_s)
    assert (await post(handle, body, headers)).status_code == 400 and handle.events == []


@pytest.mark.parametrize(
    "mangle",
    [
        lambda h: {k: v for k, v in h.items() if k != "svix-id"},
        lambda h: {k: v for k, v in h.items() if k != "svix-signature"},
        lambda h: {**h, "svix-timestamp": "yesterday"},
        lambda h: {**h, "svix-timestamp": "nan"},
        lambda h: {**h, "svix-signature": "v1"},
        lambda h: {**h, "svix-signature": "v1,not base64!"},
        lambda h: {},
    ],
)
async def test_missing_or_malformed_headers_are_400(mangle) -> None:
    handle = Recorder()
    body, headers = signed_delivery(clerk_user_deleted("user_abc"), delivery_id="msg_1")
    assert (await post(handle, body, mangle(headers))).status_code == 400 and handle.events == []


async def test_a_body_that_is_not_utf8_is_400() -> None:
    handle = Recorder()
    body, headers = signed_delivery(b'{"type": "user.deleted"}', delivery_id="msg_1")
    assert (await post(handle, b"\xff\xfe" + body, headers)).status_code == 400


async def test_a_body_over_256_kib_is_413_before_anything_is_verified() -> None:
    handle = Recorder()
    event = clerk_user_event("user.updated", "user_abc")
    event["data"]["padding"] = "x" * MAX_BODY_BYTES
    response = await post(handle, *signed_delivery(event, delivery_id="msg_1"))
    assert response.status_code == 413 and handle.events == []


async def test_an_unknown_event_type_is_200_and_ignored(caplog) -> None:
    handle = Recorder()
    with caplog.at_level("INFO", logger="smnb_app.providers.clerk.webhooks"):
        response = await post(handle, *signed_delivery({"type": "organization.created", "data": {}}, delivery_id="m"))
    assert (response.status_code, response.json()) == (200, {"ok": "ignored"})
    assert handle.events == [] and "organization.created" in caplog.text


@pytest.mark.parametrize(
    "event",
    [
        [1, 2],
        {"type": "user.updated"},
        {"type": "user.updated", "data": {"id": 7}},
        {"type": "session.revoked", "data": {"id": "sess_1"}},
        {"type": "session.revoked", "data": {"id": "user_1", "user_id": "user_2"}},
        {"type": "user.deleted", "data": {"id": "user_" + "a" * 500}},
    ],
)
async def test_a_verified_but_malformed_event_is_400(event) -> None:
    handle = Recorder()
    response = await post(handle, *signed_delivery(event if isinstance(event, dict) else b"[1, 2]",
                                                   delivery_id="msg_1"))
    assert response.status_code == 400 and handle.events == []


async def test_without_a_signing_secret_the_endpoint_does_not_exist() -> None:
    handle = Recorder()
    response = await post(handle, *signed_delivery(clerk_user_deleted("user_abc"), delivery_id="m"), secret=None)
    assert response.status_code == 404 and handle.events == []


async def test_a_replayed_delivery_is_200_and_says_it_was_applied_before() -> None:
    handle = Recorder()
    delivery = signed_delivery(clerk_user_deleted("user_abc"), delivery_id="msg_1")
    async with client(handle) as http:
        first = await http.post("/webhooks/clerk", content=delivery[0], headers=delivery[1])
        again = await http.post("/webhooks/clerk", content=delivery[0], headers=delivery[1])
    assert (first.status_code, first.json()) == (200, {"ok": "applied"})
    assert (again.status_code, again.json()) == (200, {"ok": "already applied"})
    assert len(handle.events) == 1


async def test_standard_webhooks_header_names_are_accepted_too() -> None:
    handle = Recorder()
    body, headers = signed_delivery(clerk_user_deleted("user_abc"), delivery_id="msg_std")
    standard = {name.replace("svix-", "webhook-"): value for name, value in headers.items()}
    response = await post(handle, body, standard)
    assert (response.status_code, [e.delivery_id for e in handle.events]) == (200, ["msg_std"])


async def test_a_delivery_during_a_database_outage_is_503_for_svix_to_retry(caplog) -> None:
    async def unavailable(event: ClerkEvent) -> bool:
        raise DatabaseUnavailable("connection refused")

    response = await post(unavailable, *signed_delivery(clerk_user_deleted("user_abc"), delivery_id="msg_1"))
    assert response.status_code == 503 and "again" in response.json()["error"]
    assert [record.levelname for record in caplog.records] == ["WARNING"]
    assert caplog.records[0].exc_info is None and "connection refused" in caplog.text
