"""A real HTTP server on 127.0.0.1 playing Clerk's Backend API: `/v1/jwks`, users and their sessions."""

from __future__ import annotations

import json
import time
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from smnb_app.providers.dev.issuer import SigningKey, jwks
from tests.support.loopback import LoopbackServer

SECRET_KEY = "sk_test_backend_secret"
MAX_PAGE_SIZE = 500


@dataclass
class Reply:
    """One scripted answer: status, JSON body, headers, how long to wait before answering, or no answer.

    With `drop`, the connection is closed without an answer, as a failing proxy would.
    """

    status: int
    body: Any = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    drop: bool = False


@dataclass(frozen=True)
class Call:
    """One request the server received; `path` is as sent (percent-encoded), without the query."""

    method: str
    path: str
    query: dict[str, str]
    authorized: bool


def clerk_error(status: int, code: str, message: str) -> Reply:
    """An error answer shaped like Clerk's: `{"errors": [{"code", "message", "long_message"}]}`."""
    return Reply(
        status,
        {"errors": [{"code": code, "message": message, "long_message": message}], "clerk_trace_id": "trace_fake"},
    )


def clerk_user(
    user_id: str,
    *,
    first: str | None,
    last: str | None,
    emails: list[str],
    primary: int = 0,
    image_url: str | None = None,
    updated_at: int = 1_700_000_000_000,
) -> dict[str, Any]:
    """A Backend API user object, shaped like Clerk's (`email_addresses` with ids, `updated_at` in ms)."""
    addresses = [
        {"id": f"idn_{user_id}_{i}", "object": "email_address", "email_address": e} for i, e in enumerate(emails)
    ]
    return {
        "id": user_id,
        "object": "user",
        "first_name": first,
        "last_name": last,
        "username": None,
        "image_url": image_url,
        "primary_email_address_id": addresses[primary]["id"] if addresses else None,
        "email_addresses": addresses,
        "updated_at": updated_at,
    }


class ClerkBackendServer(LoopbackServer):
    """Answers like Clerk's Backend API from `users` and `sessions`, and `/v1/jwks` from its keys.

    Routes: `GET /v1/users/{id}`, `DELETE /v1/users/{id}`, `GET /v1/sessions` (`user_id`,
    `status`, `limit`, `offset`), `POST /v1/sessions/{id}/revoke`. Before a route answers, a
    reply scripted for its method and path is used, then one from `replies` (any path). Every
    request must carry `Authorization: Bearer <secret_key>`, as Clerk's does; all are recorded in
    `calls`, and `peak_in_flight` is the most that were answered at once.
    """

    def __init__(self, keys: Iterable[SigningKey] = (), secret_key: str = SECRET_KEY) -> None:
        super().__init__()
        self.users: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, dict[str, Any]] = {}
        self.replies: deque[Reply] = deque()
        self.secret_key = secret_key
        self._keys = list(keys)
        self._scripts: defaultdict[tuple[str, str], deque[Reply]] = defaultdict(deque)
        self._calls: list[Call] = []
        self._in_flight = 0
        self.peak_in_flight = 0

    def add_session(self, user_id: str, *, status: str = "active") -> str:
        """Give `user_id` a session with `status` (`active`, `revoked`, `ended`...); returns its id."""
        with self._lock:
            session_id = f"sess_{len(self.sessions) + 1:05d}"
            self.sessions[session_id] = {
                "object": "session",
                "id": session_id,
                "user_id": user_id,
                "client_id": f"client_{session_id}",
                "status": status,
            }
        return session_id

    def status_of(self, session_id: str) -> str:
        """The status of a session."""
        with self._lock:
            return self.sessions[session_id]["status"]

    def script(self, method: str, path: str, *replies: Reply) -> None:
        """Answer the next requests for `method path` (as sent, without the query) with `replies`."""
        with self._lock:
            self._scripts[method, path].extend(replies)

    @property
    def calls(self) -> list[Call]:
        """Every request so far, in order."""
        with self._lock:
            return list(self._calls)

    def hits(self, path: str, method: str | None = None) -> int:
        """How many requests asked for `path` (with `method`, when given) so far."""
        return sum(1 for call in self.calls if call.path == path and method in (None, call.method))

    def answer(
        self,
        method: str,
        path: str,
        headers: Message,
        body: bytes,
    ) -> tuple[int, dict[str, str], bytes] | None:
        """Answer with the scripted reply or the route's, after the reply's delay; counts requests in flight."""
        with self._lock:
            self._in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
        try:
            reply = self._reply(method, path, headers.get("Authorization"))
            time.sleep(reply.delay_s)
        finally:
            with self._lock:
                self._in_flight -= 1
        return None if reply.drop else (reply.status, reply.headers, json.dumps(reply.body).encode())

    def _reply(self, method: str, raw_path: str, authorization: str | None) -> Reply:
        url = urlsplit(raw_path)
        query = dict(parse_qsl(url.query))
        authorized = authorization == f"Bearer {self.secret_key}"
        with self._lock:
            self._calls.append(Call(method, url.path, query, authorized))
            if not authorized:
                return clerk_error(401, "authentication_invalid", "invalid secret key")
            if (method, url.path) == ("GET", "/v1/jwks"):
                return Reply(200, jwks(self._keys))
            if self._scripts[method, url.path]:
                return self._scripts[method, url.path].popleft()
            if self.replies:
                return self.replies.popleft()
            return self._route(method, [unquote(part) for part in url.path.split("/")[1:]], query)

    def _route(self, method: str, segments: list[str], query: dict[str, str]) -> Reply:
        match method, segments:
            case "GET", ["v1", "users", user_id] if user_id in self.users:
                return Reply(200, self.users[user_id])
            case "DELETE", ["v1", "users", user_id] if user_id in self.users:
                del self.users[user_id]
                for session in self.sessions.values():
                    if session["user_id"] == user_id and session["status"] == "active":
                        session["status"] = "revoked"
                return Reply(200, {"object": "user", "id": user_id, "deleted": True})
            case "GET", ["v1", "sessions"]:
                return self._list_sessions(query)
            case "POST", ["v1", "sessions", session_id, "revoke"] if session_id in self.sessions:
                session = self.sessions[session_id]
                if session["status"] != "active":
                    return clerk_error(400, "session_not_active", f"session is {session['status']}, not active")
                session["status"] = "revoked"
                return Reply(200, session)
        return clerk_error(404, "resource_not_found", "not found")

    def _list_sessions(self, query: dict[str, str]) -> Reply:
        limit, offset = query.get("limit", "10"), query.get("offset", "0")
        if "user_id" not in query:
            return clerk_error(422, "form_param_missing", "user_id or client_id is required")
        if not (limit.isdigit() and 1 <= int(limit) <= MAX_PAGE_SIZE and offset.isdigit()):
            return clerk_error(422, "form_param_value_invalid", "limit must be 1..500, offset at least 0")
        # Clerk lists the newest sessions first.
        matching = [
            s
            for s in reversed(self.sessions.values())
            if s["user_id"] == query["user_id"] and query.get("status", s["status"]) == s["status"]
        ]
        return Reply(200, matching[int(offset) : int(offset) + int(limit)])
