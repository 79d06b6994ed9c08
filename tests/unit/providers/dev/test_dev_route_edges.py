"""The dev provider's routes answer hostile bodies and paths with a short, plain refusal and change nothing."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from smnb_app.providers.dev import routes
from smnb_app.providers.dev.provider import DevIdentityProvider, user_id_for_email
from smnb_app.providers.dev.routes import (
    BAD_CONTENT_LENGTH,
    BODY_CUT_OFF,
    BODY_NOT_JSON,
    BODY_NOT_OBJECT,
    BODY_TOO_DEEP,
    BODY_TOO_LARGE,
    MAX_BODY_BYTES,
    NO_AVATAR,
    NOT_LOOPBACK,
    DevRoutePolicy,
    dev_auth_routes,
)
from smnb_app.system.throttle import Throttle
from tests.support.clock import FakeClock

ISSUER = "http://localhost:8000/dev-auth"
ORIGIN = "http://localhost:3000"
JSON_HEADERS = {"Origin": ORIGIN, "Content-Type": "application/json"}


@pytest.fixture
def provider(tmp_path: Path) -> DevIdentityProvider:
    return DevIdentityProvider(
        issuer=ISSUER, key_path=tmp_path / "key.pem", store_path=tmp_path / "sessions.sqlite3", clock=FakeClock()
    )


@pytest.fixture
def app(provider: DevIdentityProvider) -> Any:
    return dev_auth_routes(lambda: provider, prefix="/dev-auth", policy=DevRoutePolicy(origins=(ORIGIN,)))


@pytest.fixture
def log(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> pytest.LogCaptureFixture:
    """The routes' log lines, with a fresh flood quota so earlier tests do not silence them."""
    monkeypatch.setattr(routes, "_LOG_QUOTA", Throttle(interval_s=10.0, max_per_interval=10))
    caplog.set_level(logging.DEBUG, logger=routes.__name__)
    return caplog


def http(app: Any, peer: str = "127.0.0.1") -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(peer, 40000)), base_url="http://localhost:8000"
    )


def rows(tmp_path: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(tmp_path / "sessions.sqlite3") as store:
        return store.execute("SELECT * FROM dev_sessions ORDER BY session_id").fetchall()


class Chunks:
    """A request body sent in chunks, counting how many the server pulled."""

    def __init__(self, *, size: int, count: int) -> None:
        self.size, self.count, self.pulled = size, count, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.count):
            self.pulled += 1
            yield b" " * self.size


def assert_refusal(response: httpx.Response, status: int, message: str) -> None:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {"error": message}
    assert "\n" not in message


async def test_a_declared_body_over_4_kib_is_refused_before_any_of_it_is_read(app, tmp_path, log) -> None:
    body = Chunks(size=1024, count=50_000)
    headers = JSON_HEADERS | {"Content-Length": str(body.size * body.count)}
    response = await http(app).post("/dev-auth/sign-in", content=body, headers=headers)
    assert_refusal(response, 413, BODY_TOO_LARGE)
    assert body.pulled == 0
    assert rows(tmp_path) == []


async def test_a_streamed_body_is_cut_off_as_soon_as_it_passes_4_kib(app, tmp_path) -> None:
    body = Chunks(size=1024, count=50_000)
    response = await http(app).post("/dev-auth/sign-in", content=body, headers=JSON_HEADERS)
    assert_refusal(response, 413, BODY_TOO_LARGE)
    assert body.pulled == MAX_BODY_BYTES // 1024 + 1
    assert rows(tmp_path) == []


async def test_a_body_of_exactly_4_kib_is_read(app) -> None:
    body = json.dumps({"email": "ada@example.com"}).encode()
    response = await http(app).post("/dev-auth/sign-in", content=body.ljust(MAX_BODY_BYTES), headers=JSON_HEADERS)
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("declared", "status", "message"),
    [
        ("abc", 400, BAD_CONTENT_LENGTH),
        ("-1", 400, BAD_CONTENT_LENGTH),
        ("+12", 400, BAD_CONTENT_LENGTH),
        ("1e3", 400, BAD_CONTENT_LENGTH),
        (b"\xb2", 400, BAD_CONTENT_LENGTH),
        ("9" * 5000, 413, BODY_TOO_LARGE),
        ("4097", 413, BODY_TOO_LARGE),
    ],
)
async def test_a_malformed_or_huge_content_length_is_refused_cleanly(
    app, tmp_path, declared: str | bytes, status: int, message: str
) -> None:
    length = declared if isinstance(declared, bytes) else declared.encode()
    headers = [(name.encode(), value.encode()) for name, value in JSON_HEADERS.items()] + [(b"Content-Length", length)]
    body = Chunks(size=16, count=1)
    response = await http(app).post("/dev-auth/sign-in", content=body, headers=headers)
    assert_refusal(response, status, message)
    assert body.pulled == 0
    assert rows(tmp_path) == []


async def test_a_refused_client_has_none_of_its_body_read(app) -> None:
    body = Chunks(size=1024, count=50_000)
    response = await http(app, peer="203.0.113.7").post("/dev-auth/sign-in", content=body, headers=JSON_HEADERS)
    assert_refusal(response, 403, NOT_LOOPBACK)
    assert body.pulled == 0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"[" * MAX_BODY_BYTES, BODY_TOO_DEEP),
        (b'{"a":' * 600 + b"1" + b"}" * 600, BODY_TOO_DEEP),
        (b'{"email": "ada@example.com", "x": [[1]]}', BODY_TOO_DEEP),
        (b'{"email": "\xff@example.com"}', BODY_NOT_JSON),
        (b'{"email": "\xed\xa0\x80@example.com"}', BODY_NOT_JSON),
        (b"\xff\xfe{\x00}\x00", BODY_NOT_JSON),
        (b"", BODY_NOT_JSON),
        (b"NaN", BODY_NOT_OBJECT),
        (b'["ada@example.com"]', BODY_NOT_OBJECT),
    ],
)
async def test_deep_or_broken_json_answers_400_without_a_traceback(app, tmp_path, log, body, message) -> None:
    response = await http(app).post("/dev-auth/sign-in", content=body, headers=JSON_HEADERS)
    assert_refusal(response, 400, message)
    assert rows(tmp_path) == []
    assert len(log.records) == 1
    assert log.records[0].exc_info is None and "Traceback" not in log.text


NOT_TEXT = ["\x00", "\x08", "\n", "\x1f", "\x7f", "\x85", "\x9f", "\ud800", "\udc00"]


@pytest.mark.parametrize("char", NOT_TEXT)
@pytest.mark.parametrize("field", ["email", "name"])
async def test_sign_in_refuses_control_characters_over_http(app, tmp_path, log, field: str, char: str) -> None:
    fields = {"email": "ada@example.com", "name": "Ada"}
    fields[field] = fields[field][:2] + char + fields[field][2:]
    response = await http(app).post("/dev-auth/sign-in", content=json.dumps(fields).encode(), headers=JSON_HEADERS)
    assert_refusal(response, 400, f"The {field} must not contain control characters or lone surrogates.")
    assert rows(tmp_path) == []
    assert "ada" not in log.text.lower()


@pytest.mark.parametrize("char", NOT_TEXT)
@pytest.mark.parametrize("field", ["session_id", "secret"])
@pytest.mark.parametrize("route", ["tokens", "sign-out"])
async def test_refresh_and_sign_out_refuse_control_characters_over_http(
    app, provider, tmp_path, log, route: str, field: str, char: str
) -> None:
    issued = provider.sign_in(email="ada@example.com")
    before = rows(tmp_path)
    credential = {"session_id": issued.session_id, "secret": issued.secret}
    credential[field] += char
    response = await http(app).post(f"/dev-auth/{route}", content=json.dumps(credential).encode(), headers=JSON_HEADERS)
    assert_refusal(response, 400, f"The {field} must not contain control characters or lone surrogates.")
    assert rows(tmp_path) == before
    assert issued.secret not in log.text and issued.session_id not in log.text


async def test_every_avatar_answers_alike_whoever_signed_in(app, provider) -> None:
    client = http(app, peer="203.0.113.7")
    provider.sign_in(email="ada@example.com", name="Ada Lovelace")
    known = await client.get(f"/dev-auth/avatars/{user_id_for_email('ada@example.com')}.svg")
    stranger = await client.get(f"/dev-auth/avatars/{user_id_for_email('nobody@example.com')}.svg")
    assert known.status_code == stranger.status_code == 200
    assert {k: v for k, v in known.headers.items() if k != "content-length"} == {
        k: v for k, v in stranger.headers.items() if k != "content-length"
    }
    assert known.text.startswith("<svg") and stranger.text.startswith("<svg")


@pytest.mark.parametrize(
    "name",
    [
        "user_unknown",
        "user_" + "a" * 25,
        "user_" + "a" * 5000,
        "%ED%A0%80",
        "user_%00aaaaaaaaaaaaaaaaaaaaaaa",
        "%FF%FE",
        "user_%F0%9F%98%80",
        "USER_AAAAAAAAAAAAAAAAAAAAAAAA",
        "user_2q%2F..%2F..%2Fkey",
        "a/b/c",
        "user_aaaaaaaaaaaaaaaaaaaaaaaa.svg/x",
    ],
)
async def test_a_malformed_avatar_id_answers_404_alike(app, provider, log, name: str) -> None:
    provider.sign_in(email="ada@example.com")
    response = await http(app, peer="203.0.113.7").get(f"/dev-auth/avatars/{name}.svg")
    assert_refusal(response, 404, NO_AVATAR)
    assert len(log.records) == 1 and name not in log.text


async def call(app: Any, *, method: str, path: str, messages: list[dict[str, Any]]) -> tuple[int, bytes]:
    """One request straight through ASGI, for what no HTTP client can send (lone surrogates, a hang-up)."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "query_string": b"",
        "root_path": "",
        "client": ("127.0.0.1", 40000),
        "server": ("localhost", 8000),
        "headers": [(b"host", b"localhost:8000"), (b"origin", ORIGIN.encode()), (b"content-type", b"application/json")],
    }
    await app(scope, receive, send)
    status = next(message["status"] for message in sent if message["type"] == "http.response.start")
    return status, b"".join(message.get("body", b"") for message in sent if message["type"] == "http.response.body")


async def test_a_lone_surrogate_in_the_avatar_path_answers_404(app) -> None:
    status, body = await call(app, method="GET", path="/dev-auth/avatars/user_\ud800.svg", messages=[])
    assert (status, json.loads(body)) == (404, {"error": NO_AVATAR})


async def test_a_client_that_hangs_up_mid_body_gets_400_and_changes_nothing(app, tmp_path) -> None:
    half = {"type": "http.request", "body": b'{"email": "ada@', "more_body": True}
    status, body = await call(app, method="POST", path="/dev-auth/sign-in", messages=[half])
    assert (status, json.loads(body)) == (400, {"error": BODY_CUT_OFF})
    assert rows(tmp_path) == []


async def test_a_flood_of_refusals_writes_at_most_ten_log_lines(app, log) -> None:
    client = http(app)
    for _ in range(50):
        await client.post("/dev-auth/sign-in", content=b"[" * 100, headers=JSON_HEADERS)
    assert 1 <= len(log.records) <= 10
    assert all(record.getMessage().count("\n") == 0 for record in log.records)
