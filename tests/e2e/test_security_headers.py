"""Security headers on every response in production mode, and a policy the browser really enforces."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.harness.helpers import sign_in, unique_email


def first_script(app_server) -> str:
    page = httpx.get(f"{app_server.url}/sign-in", follow_redirects=True).text
    script = re.search(r'"(/assets/[^"]+\.js)"', page)
    assert script is not None, "the sign-in page loads no script"
    return script.group(1)


@pytest.mark.parametrize(
    "path", ["/", "/sign-in", "/dashboard", "ASSET", "/ping", "/dev-auth/.well-known/jwks.json", "/no-such-page"]
)
def test_pages_assets_and_api_carry_the_security_headers(app_server, path: str):
    response = httpx.get(app_server.url + (first_script(app_server) if path == "ASSET" else path))
    policy = response.headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "object-src 'none'", "base-uri 'self'", "frame-ancestors 'none'"):
        assert directive in policy
    connect_src = re.search(r"connect-src ([^;]+)", policy)
    assert connect_src is not None, policy
    connect = connect_src.group(1).split()
    assert set(connect) <= {
        "'self'",
        app_server.url,
        app_server.url.replace("http", "ws", 1),
        app_server.url.replace("localhost", "127.0.0.1"),
        app_server.url.replace("http://localhost", "ws://127.0.0.1"),
    }
    assert "'unsafe-eval'" not in policy and "script-src 'self' 'sha256-" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response.headers  # plain http here


def test_the_browser_enforces_the_policy_on_injected_scripts(new_page, page_errors):
    page = new_page()
    page_errors.allow("CSP violation: script-src-elem blocked inline")
    page_errors.allow("violates the following Content Security Policy directive")
    sign_in(page, email=unique_email("csp"), name="Csp")
    ran = page.evaluate(
        """() => new Promise((resolve) => {
            window.__injected = false;
            document.addEventListener('securitypolicyviolation', () => resolve(window.__injected), {once: true});
            const script = document.createElement('script');
            script.textContent = 'window.__injected = true';
            document.body.appendChild(script);
        })"""
    )
    assert ran is False
    expect(page.get_by_test_id("protected-content")).to_be_visible()
