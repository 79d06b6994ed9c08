"""A real HTTP server on 127.0.0.1 publishing a JWKS, with switchable misbehaviour."""

from __future__ import annotations

import json
from email.message import Message
from enum import Enum
from typing import Any

from smnb_app.providers.dev.issuer import SigningKey, jwks
from tests.support.loopback import LoopbackServer


class Mode(Enum):
    """What the server answers on any path."""

    KEYS = "keys"
    UNAVAILABLE = "503"
    EMPTY_OBJECT = "{}"
    EMPTY_KEYS = '{"keys": []}'
    INVALID_JSON = "invalid-json"


class JwksServer(LoopbackServer):
    """Serves the JWKS of its keys on every path; counts hits and keeps the last Authorization."""

    def __init__(self, keys: list[SigningKey]) -> None:
        super().__init__()
        self.mode = Mode.KEYS
        # Entries published before the keys; anything JSON, to test how bad entries are skipped.
        self.extra_entries: list[Any] = []
        self._keys = list(keys)
        self._hits = 0
        self.last_authorization: str | None = None

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

    def answer(
        self,
        method: str,
        path: str,
        headers: Message,
        body: bytes,
    ) -> tuple[int, dict[str, str], bytes] | None:
        """Answer every request with the JWKS, or with the misbehaviour `mode` asks for."""
        status, document = self._answer(headers.get("Authorization"))
        return status, {}, document
