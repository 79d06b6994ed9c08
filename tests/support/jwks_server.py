"""A real HTTP server on 127.0.0.1 publishing a JWKS, with switchable misbehaviour."""

from __future__ import annotations

import json
import threading
from enum import Enum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from smnb_app.auth.issuer import SigningKey, jwks


class Mode(Enum):
    """What the server answers on any path."""

    KEYS = "keys"
    UNAVAILABLE = "503"
    EMPTY_OBJECT = "{}"
    EMPTY_KEYS = '{"keys": []}'
    INVALID_JSON = "invalid-json"


class JwksServer:
    """Serves the JWKS of its keys on every path; counts hits and keeps the last Authorization.

    Use as a context manager: the server runs in a background thread while the block runs.
    """

    def __init__(self, keys: list[SigningKey]) -> None:
        self.mode = Mode.KEYS
        # Entries published before the keys; anything JSON, to test how bad entries are skipped.
        self.extra_entries: list[Any] = []
        self._keys = list(keys)
        self._lock = threading.Lock()
        self._hits = 0
        self.last_authorization: str | None = None
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.01,), daemon=True)

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>`, usable as an issuer."""
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def jwks_url(self) -> str:
        """The conventional JWKS URL of `base_url`."""
        return self.base_url + "/.well-known/jwks.json"

    @property
    def hits(self) -> int:
        """How many requests were answered so far."""
        with self._lock:
            return self._hits

    def rotate(self, key: SigningKey) -> None:
        """Publish `key` in addition to the current keys."""
        with self._lock:
            self._keys.append(key)

    def __enter__(self) -> JwksServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def _answer(self, authorization: str | None) -> tuple[int, bytes]:
        with self._lock:
            self._hits += 1
            self.last_authorization = authorization
            document = jwks(self._keys)
        if self.mode is Mode.KEYS:
            return 200, json.dumps({"keys": self.extra_entries + document["keys"]}).encode()
        if self.mode is Mode.UNAVAILABLE:
            return 503, b"unavailable"
        if self.mode is Mode.INVALID_JSON:
            return 200, b"{not json"
        return 200, self.mode.value.encode()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body = server._answer(self.headers.get("Authorization"))
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                """Keep test output clean."""

        return Handler
