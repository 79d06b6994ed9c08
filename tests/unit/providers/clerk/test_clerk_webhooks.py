"""`POST /webhooks/clerk`: every answer of the endpoint, for deliveries signed with the Svix library."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable

import httpx
import pytest

from smnb_app.db.availability import DatabaseUnavailable
from smnb_app.providers.clerk.webhooks import (
    MAX_BODY_BYTES,
    ClerkEvent,
    MalformedEvent,
    clerk_webhook_routes,
    parse_event,
)
from tests.support.svix_signing import (
    SECRET,
    clerk_session_event,
    clerk_user_deleted,
    clerk_user_event,
    signed_delivery,
)

Handler = Callable[[ClerkEvent], Awaitable[bool]]


class Recorder:
    """Applies each delivery once, like the app: a repeated `svix-id` is not applied again."""

    def __init__(self) -> None:
        self.events: list[ClerkEvent] = []

    async def __call__(self, event: ClerkEvent) -> bool:
        if any(seen.delivery_id == event.delivery_id for seen in self.events):
            return False
        self.events.append(event)
        return True


def client(handle: Handler, secret: str | None = SECRET) -> httpx.AsyncClient:
    app = clerk_webhook_routes(secret=secret, handle=handle)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://app.test")


async def post(handle: Handler, body: bytes, headers: dict[str, str], **kwargs) -> httpx.Response:
    async with client(handle, **kwargs) as http:
        return await http.post("/webhooks/clerk", content=body, headers=headers)


async def test_a_signed_user_update_is_handed_over_as_a_typed_event() -> None:
    handle = Recorder()
    response = await post(handle, *signed_delivery(clerk_user_event("user.updated", "user_abc"), delivery_id="msg_1"))
    assert (response.status_code, response.json()) == (200, {"ok": "applied"})
    (event,) = handle.events
    assert (event.delivery_id, event.type, event.user_id, event.updated_at) == (
        "msg_1",
        "user.updated",
        "user_abc",
        1_800_000_000_000,
    )
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
    response = await post(
        handle, *signed_delivery(event if isinstance(event, dict) else b"[1, 2]", delivery_id="msg_1")
    )
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


def user_update_with(**fields) -> dict:
    """A well-formed `user.updated` event with some of its user's fields replaced."""
    event = clerk_user_event("user.updated", "user_abc")
    event["data"].update(fields)
    return event


def user_update_text(original: str, replacement: str) -> bytes:
    """A `user.updated` body with a piece of its JSON text replaced (for what `json.dumps` cannot write)."""
    body = json.dumps(clerk_user_event("user.updated", "user_abc"))
    assert original in body
    return body.replace(original, replacement).encode()


HOSTILE_BODIES = {
    "nested too deep": b'{"type": "user.updated", "data": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "nested too deep inside the user": user_update_text(
        '"username": null', '"username": null, "x": ' + "[" * 50_000 + "]" * 50_000
    ),
    "email_addresses is a number": user_update_with(email_addresses=5),
    "email_addresses is a string": user_update_with(email_addresses="ada@example.com"),
    "email_addresses is an object": user_update_with(email_addresses={"id": "idn_1"}),
    "an address that is a number": user_update_with(email_addresses=[1]),
    "an address that is a string": user_update_with(email_addresses=["ada@example.com"]),
    "an address whose email is a number": user_update_with(email_addresses=[{"id": "idn_1", "email_address": 5}]),
    "an address whose id is a list": user_update_with(email_addresses=[{"id": [], "email_address": "a@b.c"}]),
    "first_name is a number": user_update_with(first_name=5),
    "last_name is a list": user_update_with(last_name=["Lovelace"]),
    "username is an object": user_update_with(username={}),
    "image_url is true": user_update_with(image_url=True),
    "primary_email_address_id is a number": user_update_with(primary_email_address_id=1),
    "updated_at is a string": user_update_with(updated_at="1800000000000"),
    "updated_at is true": user_update_with(updated_at=True),
    "updated_at is a float": user_update_with(updated_at=1.5),
    "updated_at is beyond 64 bits": user_update_with(updated_at=2**70),
    "updated_at is negative": user_update_with(updated_at=-1),
    "updated_at is infinite": user_update_text('"updated_at": 1800000000000', '"updated_at": 1e400'),
    "a number of 5000 digits": user_update_text('"updated_at": 1800000000000', '"updated_at": ' + "9" * 5000),
    "first_name is a lone surrogate": user_update_text('"Ada"', '"\\ud800"'),
    "the email holds a lone surrogate": user_update_text('"ada@example.com"', '"ada\\udfff@example.com"'),
    "first_name holds NUL": user_update_with(first_name="A\x00da"),
    "the email holds a newline": user_update_with(email_addresses=[{"id": "idn_1", "email_address": "a\n@b.c"}]),
    "image_url holds DEL": user_update_with(image_url="https://img.test/\x7f"),
    "first_name is 3000 characters": user_update_with(first_name="A" * 3000),
    "the id is a lone surrogate": user_update_text('"user_abc"', '"user_\\ud800"'),
    "the id of a deleted user is a number": {"type": "user.deleted", "data": {"id": 5}},
    "the session's user is null": {"type": "session.ended", "data": {"id": "sess_1", "user_id": None}},
}


@pytest.mark.parametrize("body", HOSTILE_BODIES.values(), ids=HOSTILE_BODIES.keys())
async def test_a_signed_body_that_is_no_well_formed_event_is_400_logged_once_and_changes_nothing(body, caplog) -> None:
    handle = Recorder()
    with caplog.at_level("INFO", logger="smnb_app"):
        response = await post(handle, *signed_delivery(body, delivery_id="msg_hostile"))
    assert response.status_code == 400 and response.json()["error"].startswith("The event is malformed")
    assert handle.events == []
    (record,) = caplog.records
    assert record.levelname == "WARNING" and record.exc_info is None and "\n" not in record.getMessage()
    assert "ada@example.com" not in caplog.text and "Lovelace" not in caplog.text and len(caplog.text) < 300


def test_the_refusal_names_the_field_not_its_value() -> None:
    with pytest.raises(MalformedEvent, match=r"^data\.first_name is not a string") as refused:
        parse_event("msg_1", json.dumps(user_update_with(first_name=["Ada Lovelace"])).encode())
    assert "Ada" not in str(refused.value)


@pytest.mark.parametrize("primary", [None, "", "missing"])
def test_a_null_or_absent_primary_email_id_matches_no_address_not_even_one_without_an_id(primary) -> None:
    addresses = [
        {"email_address": "no-id@example.com"},
        {"id": None, "email_address": "null-id@example.com"},
        {"id": "idn_1", "email_address": "ada@example.com"},
    ]
    fields = {"email_addresses": addresses} | ({} if primary == "missing" else {"primary_email_address_id": primary})
    event = user_update_with(**fields)
    if primary == "missing":
        del event["data"]["primary_email_address_id"]
    parsed = parse_event("msg_1", json.dumps(event).encode())
    assert isinstance(parsed, ClerkEvent) and parsed.profile is not None and parsed.profile.email is None


def test_nulls_where_clerk_sends_nulls_are_a_well_formed_event() -> None:
    event = user_update_with(
        first_name=None, last_name=None, username=None, image_url=None, updated_at=None, email_addresses=None
    )
    parsed = parse_event("msg_1", json.dumps(event).encode())
    assert isinstance(parsed, ClerkEvent) and parsed.profile is not None
    assert (parsed.profile.as_claims(), parsed.updated_at) == ({}, None)
