"""A real HTTP server on 127.0.0.1 playing Clerk's Backend API: `/v1/jwks` and `/v1/users/{id}`."""

from __future__ import annotations

import json
import time
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from smnb_app.providers.dev.issuer import SigningKey, jwks
from tests.support.loopback import LoopbackServer

SECRET_KEY = "sk_test_backend_secret"


@dataclass
class Reply:
    """One scripted answer: status, JSON body, headers, and how long to wait before answering."""

    status: int
    body: Any = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


def clerk_user(user_id: str, *, first: str | None, last: str | None, emails: list[str],
               primary: int = 0, image_url: str | None = None) -> dict[str, Any]:
    """A Backend API user object, shaped like Clerk's (`email_addresses` with ids)."""
    addresses = [{"id": f"idn_{user_id}_{i}", "object": "email_address", "email_address": e}
                 for i, e in enumerate(emails)]
    return {
        "id": user_id,
        "object": "user",
        "first_name": first,
        "last_name": last,
        "username": None,
        "image_url": image_url,
        "primary_email_address_id": addresses[primary]["id"] if addresses else None,
        "email_addresses": addresses,
    }


class ClerkBackendServer(LoopbackServer):
    """Answers `/v1/users/{id}` from `users` (scripted `replies` first) and `/v1/jwks` from its keys.

    Every request must carry `Authorization: Bearer <secret_key>`, as Clerk's does.
    """

    def __init__(self, keys: Iterable[SigningKey] = (), secret_key: str = SECRET_KEY) -> None:
        super().__init__()
        self.users: dict[str, dict[str, Any]] = {}
        self.replies: deque[Reply] = deque()
        self.secret_key = secret_key
        self._keys = list(keys)
        self._hits: Counter[str] = Counter()

    def hits(self, path: str) -> int:
        """How many requests asked for `path` so far."""
        with self._lock:
            return self._hits[path]

    def answer_get(self, path: str, headers: Message) -> tuple[int, dict[str, str], bytes]:
        """Answer with the scripted reply or the user, after the reply's delay."""
        reply = self._answer(path, headers.get("Authorization"))
        time.sleep(reply.delay_s)
        return reply.status, reply.headers, json.dumps(reply.body).encode()

    def _answer(self, path: str, authorization: str | None) -> Reply:
        with self._lock:
            self._hits[path] += 1
            if authorization != f"Bearer {self.secret_key}":
                return Reply(401, {"errors": [{"code": "authentication_invalid"}]})
            if path == "/v1/jwks":
                return Reply(200, jwks(self._keys))
            if not path.startswith("/v1/users/"):
                return Reply(404, {"errors": [{"code": "resource_not_found"}]})
            if self.replies:
                return self.replies.popleft()
            user = self.users.get(path.removeprefix("/v1/users/"))
        return Reply(200, user) if user else Reply(404, {"errors": [{"code": "resource_not_found"}]})
