"""A real HTTP server on 127.0.0.1 playing Clerk's Backend API: `/v1/jwks` and `/v1/users/{id}`."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from smnb_app.auth.issuer import SigningKey, jwks

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


class ClerkBackendServer:
    """Answers `/v1/users/{id}` from `users` (scripted `replies` first) and `/v1/jwks` from its keys.

    Every request must carry `Authorization: Bearer <secret_key>`, as Clerk's does. Use as a
    context manager: the server runs in a background thread while the block runs.
    """

    def __init__(self, keys: Iterable[SigningKey] = (), secret_key: str = SECRET_KEY) -> None:
        self.users: dict[str, dict[str, Any]] = {}
        self.replies: deque[Reply] = deque()
        self.secret_key = secret_key
        self._keys = list(keys)
        self._lock = threading.Lock()
        self._hits: Counter[str] = Counter()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.01,), daemon=True)

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>`, usable as `CLERK_API_URL`."""
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def hits(self, path: str) -> int:
        """How many requests asked for `path` so far."""
        with self._lock:
            return self._hits[path]

    def __enter__(self) -> ClerkBackendServer:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

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

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                reply = server._answer(self.path, self.headers.get("Authorization"))
                time.sleep(reply.delay_s)
                body = json.dumps(reply.body).encode()
                self.send_response(reply.status)
                for name, value in {"Content-Type": "application/json", **reply.headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # The client gave up waiting: that is what a slow-answer test provokes.

            def log_message(self, format: str, *args: Any) -> None:
                """Keep test output clean."""

        return Handler
