"""Clerk's webhooks: `POST /webhooks/clerk`, verified by the Svix library, parsed into typed events.

Answers, before anything is applied:

- no `CLERK_WEBHOOK_SIGNING_SECRET` configured: 404 (the endpoint does not exist);
- a body over 256 KiB: 413;
- missing or malformed Svix headers, a bad signature, a timestamp outside Svix's tolerance: 400;
- a verified body that is not a well-formed event (not JSON, nested too deep, a field of another
  type than Clerk's, a number out of range, control characters or lone surrogates in a string):
  400, logged as one line that names the field, never the body;
- an event type the app does not use: 200, ignored, logged at INFO.

A known event goes to `handle`, which applies it once per `svix-id`: 200 either way, saying
whether this delivery applied it or an earlier one had.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from svix.webhooks import Webhook, WebhookVerificationError

from smnb_app.db.availability import DatabaseUnavailable
from smnb_app.providers.clerk.api import ClerkProfile, MalformedProfile, profile_from_user

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/clerk"
MAX_BODY_BYTES = 256 * 1024
PROFILE_EVENTS = ("user.created", "user.updated")
SESSION_END_EVENTS = ("session.ended", "session.removed", "session.revoked")
USER_DELETED = "user.deleted"
_ID = re.compile(r"(user|sess)_[A-Za-z0-9]{1,120}")
_NO_STORE = {"Cache-Control": "no-store"}


@dataclass(frozen=True)
class ClerkEvent:
    """One verified webhook event the app applies.

    Attributes:
        delivery_id: The delivery's `svix-id`: the same on every retry of it.
        type: `user.created`, `user.updated`, `user.deleted`, `session.ended`, `.removed` or `.revoked`.
        user_id: The Clerk user (`user_...`) the event is about.
        session_id: The session (`sess_...`) of a session event.
        profile: The user's profile, for `user.created` and `user.updated`.
        updated_at: When Clerk last changed that profile (epoch ms), to order deliveries.
    """

    delivery_id: str
    type: str
    user_id: str
    session_id: str | None = None
    profile: ClerkProfile | None = None
    updated_at: int | None = None


class MalformedEvent(ValueError):
    """A verified delivery that is no well-formed event; the message names what is wrong, never a value."""


def _clerk_id(data: dict[str, Any], key: str, prefix: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not _ID.fullmatch(value) or not value.startswith(prefix):
        raise MalformedEvent(f"data.{key} is not a Clerk {prefix}... id")
    return value


def parse_event(delivery_id: str, body: bytes) -> ClerkEvent | str:
    """Read a verified delivery.

    Args:
        delivery_id: Its `svix-id`.
        body: The raw body.

    Returns:
        The event, or its type (a string) when the app does not use that type.

    Raises:
        MalformedEvent: The body is no event object, lacks the ids its type needs, or a field
            the app reads is not what Clerk sends.
    """
    try:
        event = json.loads(body)
    except ValueError:
        raise MalformedEvent("the body is not JSON") from None
    except RecursionError:
        raise MalformedEvent("the body is nested too deep") from None
    if not isinstance(event, dict) or not isinstance(event.get("type"), str) or not isinstance(event.get("data"), dict):
        raise MalformedEvent("the body is not an event with a type and data")
    kind, data = event["type"], event["data"]
    if kind in PROFILE_EVENTS:
        user_id = _clerk_id(data, "id", "user_")
        try:
            profile = profile_from_user(data)
        except MalformedProfile as exc:
            raise MalformedEvent(f"data.{exc}") from None
        return ClerkEvent(
            delivery_id=delivery_id, type=kind, user_id=user_id, profile=profile, updated_at=profile.updated_at
        )
    if kind == USER_DELETED:
        return ClerkEvent(delivery_id=delivery_id, type=kind, user_id=_clerk_id(data, "id", "user_"))
    if kind in SESSION_END_EVENTS:
        return ClerkEvent(
            delivery_id=delivery_id,
            type=kind,
            user_id=_clerk_id(data, "user_id", "user_"),
            session_id=_clerk_id(data, "id", "sess_"),
        )
    return kind[:64]


async def _read_body(request: Request) -> bytes | None:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_BODY_BYTES:
            return None
    return bytes(body)


def _answer(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message} if status >= 400 else {"ok": message}, status_code=status, headers=_NO_STORE)


def clerk_webhook_routes(
    *, secret: str | None, handle: Callable[[ClerkEvent], Awaitable[bool]], path: str = WEBHOOK_PATH
) -> Starlette:
    """Build the webhook endpoint, to pass to `rx.App(api_transformer=...)`.

    Args:
        secret: `CLERK_WEBHOOK_SIGNING_SECRET`; None answers 404.
        handle: Applies a verified event once per delivery id; False when it had been.
        path: Where the endpoint lives.

    Returns:
        A Starlette app with the one route.
    """
    verifier = Webhook(secret) if secret else None

    async def webhook(request: Request) -> Response:
        if verifier is None:
            return _answer(404, "Webhooks are not configured (CLERK_WEBHOOK_SIGNING_SECRET).")
        body = await _read_body(request)
        if body is None:
            return _answer(413, f"The body is larger than {MAX_BODY_BYTES // 1024} KiB.")
        try:
            verifier.verify(body, dict(request.headers))
        except (WebhookVerificationError, ValueError):
            # Svix raises ValueError itself on some malformed headers and on a body that is not UTF-8.
            return _answer(400, "The delivery's Svix headers or signature do not verify.")
        try:
            # Svix also accepts the Standard Webhooks spelling of its headers.
            event = parse_event(request.headers.get("svix-id") or request.headers["webhook-id"], body)
        except MalformedEvent as exc:
            logger.warning("refused a verified Clerk webhook delivery: %s", exc)
            return _answer(400, f"The event is malformed: {exc}.")
        if isinstance(event, str):
            logger.info("ignored a Clerk webhook event of type %r", event)
            return _answer(200, "ignored")
        try:
            applied = await handle(event)
        except DatabaseUnavailable as exc:
            logger.warning("could not apply a Clerk webhook delivery: the database is unavailable (%s)", exc.reason)
            return _answer(503, "The database is unavailable; Svix delivers the event again later.")
        return _answer(200, "applied" if applied else "already applied")

    return Starlette(routes=[Route(path, webhook, methods=["POST"])])
