"""A Clerk user's profile as the Backend API and the webhooks describe it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


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
        claims = {"first_name": self.first_name, "last_name": self.last_name, "name": name,
                  "email": self.email, "image_url": self.image_url}
        return {key: value for key, value in claims.items() if value}


def profile_from_user(user: Mapping[str, Any]) -> ClerkProfile:
    """Read a Backend API user object; the email is the one `primary_email_address_id` names.

    Args:
        user: The JSON of `GET /v1/users/{user_id}`, or a webhook's user `data`.

    Returns:
        The profile.
    """
    primary_id = user.get("primary_email_address_id")
    addresses = user.get("email_addresses") or []
    email = next((a.get("email_address") for a in addresses if isinstance(a, Mapping) and a.get("id") == primary_id),
                 None)

    def text(key: str) -> str | None:
        value = user.get(key)
        return value.strip() or None if isinstance(value, str) else None

    return ClerkProfile(
        user_id=str(user.get("id", "")),
        first_name=text("first_name"),
        last_name=text("last_name"),
        username=text("username"),
        email=email if isinstance(email, str) and email else None,
        image_url=text("image_url"),
        updated_at=user["updated_at"] if type(user.get("updated_at")) is int else None,
    )
