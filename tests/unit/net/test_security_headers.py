"""Security headers on every response, with a policy that names each inline script by its hash."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from smnb_app.config.values import networks
from smnb_app.net.security_headers import (
    HSTS,
    PolicySources,
    SecurityHeaders,
    content_security_policy,
    inline_script_hashes,
)

PAGE = """<!DOCTYPE html><html><head><script>window.a = 1;</script>
<script type="module" async="">import "/assets/x.js";</script><script src="/assets/y.js"></script>
</head><body><script>$RC("B:1","S:1")</script></body></html>"""
SOURCES = PolicySources(connect=("http://localhost:3000", "ws://localhost:3000"))


def sha(body: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"


@pytest.fixture
def static_dir(tmp_path: Path) -> Path:
    (tmp_path / "sub").mkdir()
    (tmp_path / "index.html").write_text(PAGE)
    (tmp_path / "sub" / "other.html").write_text("<html><script>window.a = 1;</script></html>")
    (tmp_path / "app.js").write_text("console.log(1)")
    return tmp_path


def client(static_dir: Path, *, peer: str = "127.0.0.1", scheme: str = "http", proxies: str = "") -> httpx.AsyncClient:
    inner = Starlette(
        routes=[
            Route("/api/ping", lambda _: JSONResponse({"ok": True})),
            Mount("/", StaticFiles(directory=static_dir, html=True)),
        ]
    )
    app = SecurityHeaders(
        inner, sources=SOURCES, static_dir=static_dir, trusted_proxies=networks({"P": proxies}, "P", [])
    )
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(peer, 1234)), base_url=f"{scheme}://localhost:3000"
    )


def test_every_inline_script_of_every_page_is_hashed_once(static_dir: Path) -> None:
    hashes = inline_script_hashes(static_dir)
    assert hashes == tuple(sorted({sha("window.a = 1;"), sha('import "/assets/x.js";'), sha('$RC("B:1","S:1")')}))


def test_no_build_yet_means_no_hashes(tmp_path: Path) -> None:
    assert inline_script_hashes(tmp_path / "missing") == ()


def test_the_policy_keeps_to_the_apps_origin_and_its_websocket() -> None:
    policy = dict(part.split(" ", 1) for part in content_security_policy(SOURCES, ["'sha256-x'"]).split("; "))
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self' 'sha256-x'"
    assert policy["connect-src"] == "'self' http://localhost:3000 ws://localhost:3000"
    assert (policy["object-src"], policy["base-uri"], policy["frame-ancestors"]) == ("'none'", "'self'", "'none'")
    assert "unsafe-eval" not in policy["script-src"] and "unsafe-inline" not in policy["script-src"]


@pytest.mark.parametrize("path", ["/", "/index.html", "/sub/other.html", "/app.js", "/api/ping", "/missing"])
async def test_pages_assets_api_and_errors_all_carry_the_headers(static_dir: Path, path: str) -> None:
    response = await client(static_dir).get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert sha("window.a = 1;") in response.headers["Content-Security-Policy"]
    assert "Strict-Transport-Security" not in response.headers


async def test_hsts_only_over_https(static_dir: Path) -> None:
    assert (await client(static_dir, scheme="https").get("/")).headers["Strict-Transport-Security"] == HSTS


async def test_a_trusted_proxy_can_report_https_and_nobody_else_can(static_dir: Path) -> None:
    proto = {"X-Forwarded-Proto": "https"}
    trusted = await client(static_dir, peer="10.0.0.2", proxies="10.0.0.0/8").get("/", headers=proto)
    untrusted = await client(static_dir, peer="203.0.113.9", proxies="10.0.0.0/8").get("/", headers=proto)
    assert trusted.headers.get("Strict-Transport-Security") == HSTS
    assert "Strict-Transport-Security" not in untrusted.headers


def test_clerk_sources_extend_only_their_own_directives() -> None:
    sources = PolicySources(
        connect=("https://clerk.example.com",),
        script=("https://clerk.example.com",),
        frame=("https://challenges.cloudflare.com",),
        image=("https://img.clerk.com",),
    )
    policy = content_security_policy(sources)
    assert "frame-src 'self' https://challenges.cloudflare.com" in policy
    assert "img-src 'self' data: https://img.clerk.com" in policy
    assert "frame-src 'none'" in content_security_policy(SOURCES)
