"""A Clerk user's profile as the Backend API and the webhooks describe it, read strictly.

Every field the app reads must have the type Clerk gives it (a string or null, an integer, a
list of objects); anything else is a `MalformedProfile`, never a guess: the caller answers it
as a refusal (a webhook's 400, a Backend API error) instead of storing half of it or failing
later in the database.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Longer than any name or image URL Clerk stores; an email address has at most 320 characters.
MAX_TEXT_CHARS = 2048
MAX_EMAIL_CHARS = 320
# Epoch milliseconds up to 2^53: exact in JSON and JavaScript, and within every BIGINT column.
MAX_EPOCH_MS = 2**53
# Control characters (PostgreSQL refuses NUL in text) and lone surrogates (no UTF-8 for them).
_UNSTORABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


class MalformedProfile(ValueError):
    """A user object whose fields do not have the types Clerk gives them; the message names the field only."""


@dataclass(frozen=True)
class ClerkProfile:
    """The profile fields of a Clerk user, as the Backend API and the webhooks give them.

    `updated_at` is Clerk's last change of the user (epoch ms), which orders two copies.
    """

    user_id: str
    first_name: str | None
    last_name: str | None
    username: str | None
    email: str | None
    image_url: str | None
    updated_at: int | None = None

    def as_claims(self) -> dict[str, str]:
        """The profile as the claims a session-token template would carry (absent when unknown).

        Returns:
            `first_name`, `last_name`, `name` (the username, when there is no first or last
            name), `email` and `image_url`, for `identity_from_claims`.
        """
        name = None if self.first_name or self.last_name else self.username
        claims = {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "name": name,
            "email": self.email,
            "image_url": self.image_url,
        }
        return {key: value for key, value in claims.items() if value}


def _text(obj: Mapping[str, Any], key: str, where: str, limit: int = MAX_TEXT_CHARS) -> str | None:
    """A string field (absent or null: None), trimmed; None when only blanks."""
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit or _UNSTORABLE.search(value):
        raise MalformedProfile(f"{where}{key} is not a string of at most {limit} printable characters")
    return value.strip() or None


def _primary_email(user: Mapping[str, Any]) -> str | None:
    """The address `primary_email_address_id` names; a null or absent id names none."""
    primary_id = _text(user, "primary_email_address_id", "")
    addresses = user.get("email_addresses")
    if addresses is None:
        addresses = []
    if not isinstance(addresses, list):
        raise MalformedProfile("email_addresses is not a list")
    email = None
    for address in addresses:
        if not isinstance(address, Mapping):
            raise MalformedProfile("email_addresses holds an item that is not an object")
        address_id = _text(address, "id", "email_addresses[].")
        text = _text(address, "email_address", "email_addresses[].", MAX_EMAIL_CHARS)
        if primary_id is not None and address_id == primary_id:
            email = text
    return email


def _epoch_ms(user: Mapping[str, Any], key: str) -> int | None:
    value = user.get(key)
    if value is None:
        return None
    # `bool` is an `int` to Python, not to JSON.
    if type(value) is not int or not 0 <= value <= MAX_EPOCH_MS:
        raise MalformedProfile(f"{key} is not epoch milliseconds")
    return value


def profile_from_user(user: Mapping[str, Any]) -> ClerkProfile:
    """Read a Backend API user object; the email is the one `primary_email_address_id` names.

    Args:
        user: The JSON of `GET /v1/users/{user_id}`, or a webhook's user `data`.

    Returns:
        The profile.

    Raises:
        MalformedProfile: A field the app reads has another type than Clerk's, is too long,
            or holds control characters or lone surrogates.
    """
    user_id = user.get("id")
    if not isinstance(user_id, str) or not user_id or len(user_id) > MAX_TEXT_CHARS:
        raise MalformedProfile("id is not a user id")
    return ClerkProfile(
        user_id=user_id,
        first_name=_text(user, "first_name", ""),
        last_name=_text(user, "last_name", ""),
        username=_text(user, "username", ""),
        email=_primary_email(user),
        image_url=_text(user, "image_url", ""),
        updated_at=_epoch_ms(user, "updated_at"),
    )
