"""Signing webhook deliveries the way Svix signs Clerk's, with the Svix library itself."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime
from typing import Any

from svix.webhooks import Webhook

SECRET = "whsec_" + base64.b64encode(b"test-webhook-secret-of-32-bytes!").decode()


def signed_delivery(
    event: dict[str, Any] | bytes, *, delivery_id: str, secret: str = SECRET, at: float | None = None
) -> tuple[bytes, dict[str, str]]:
    """A delivery's body and its Svix headers (`svix-id`, `svix-timestamp`, `svix-signature`).

    Args:
        event: The event (serialized as Clerk does) or a raw body.
        delivery_id: The `svix-id`.
        secret: The endpoint's signing secret.
        at: The delivery's time (epoch seconds); now when None.

    Returns:
        The body and the headers.
    """
    body = event if isinstance(event, bytes) else json.dumps(event).encode()
    stamp = datetime.fromtimestamp(time.time() if at is None else at, tz=UTC)
    signature = Webhook(secret).sign(delivery_id, stamp, body.decode())
    headers = {
        "svix-id": delivery_id,
        "svix-timestamp": str(int(stamp.timestamp())),
        "svix-signature": signature,
        "content-type": "application/json",
    }
    return body, headers


def clerk_user_event(
    kind: str,
    user_id: str,
    *,
    first: str = "Ada",
    last: str = "Lovelace",
    email: str = "ada@example.com",
    updated_at: int = 1_800_000_000_000,
) -> dict[str, Any]:
    """A `user.created` / `user.updated` event shaped like Clerk's."""
    return {
        "object": "event",
        "type": kind,
        "timestamp": updated_at,
        "data": {
            "object": "user",
            "id": user_id,
            "first_name": first,
            "last_name": last,
            "username": None,
            "image_url": None,
            "primary_email_address_id": "idn_1",
            "email_addresses": [{"id": "idn_1", "email_address": email}],
            "created_at": updated_at - 1000,
            "updated_at": updated_at,
        },
    }


def clerk_session_event(kind: str, session_id: str, user_id: str) -> dict[str, Any]:
    """A `session.ended` / `.removed` / `.revoked` event shaped like Clerk's."""
    return {
        "object": "event",
        "type": kind,
        "data": {"object": "session", "id": session_id, "user_id": user_id, "status": kind.split(".")[1]},
    }


def clerk_user_deleted(user_id: str) -> dict[str, Any]:
    """A `user.deleted` event shaped like Clerk's."""
    return {"object": "event", "type": "user.deleted", "data": {"object": "user", "id": user_id, "deleted": True}}
