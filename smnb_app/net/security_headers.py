"""Security headers on every HTTP response: a Content-Security-Policy and the classic hardening set.

The prerendered pages carry a few inline scripts (React Router's hydration context, the color
mode script). Rather than allowing inline scripts at all, the policy names each one by its
SHA-256 hash, read from the built HTML files the first time a response goes out.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smnb_app.config.values import IPNetwork
from smnb_app.net.client_address import parse_address

# This host only: whether sibling subdomains speak https is not this app's to decide.
HSTS = "max-age=63072000"
FIXED_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}


@dataclass(frozen=True)
class PolicySources:
    """The hosts a page may use beyond its own origin, per directive.

    Attributes:
        connect: Origins for fetch and websockets (the app's websocket, Clerk's Frontend API).
        script: Origins of external scripts (Clerk's browser SDK).
        frame: Origins of frames (Clerk's bot protection).
        image: Origins of images (Clerk's avatars).
    """

    connect: tuple[str, ...] = ()
    script: tuple[str, ...] = ()
    frame: tuple[str, ...] = ()
    image: tuple[str, ...] = ()


class _InlineScripts(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.bodies: list[str] = []
        self._inline = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._inline = tag == "script" and not any(name == "src" for name, _ in attrs)
        if self._inline:
            self.bodies.append("")

    def handle_endtag(self, tag: str) -> None:
        self._inline = False

    def handle_data(self, data: str) -> None:
        if self._inline:
            self.bodies[-1] += data


def inline_script_hashes(directory: Path) -> tuple[str, ...]:
    """CSP hash sources of every inline script in the HTML files under `directory`.

    Args:
        directory: The built frontend (it may not exist yet, e.g. before the first build).

    Returns:
        Sorted `'sha256-...'` sources, one per distinct script body.
    """
    hashes: set[str] = set()
    for page in sorted(directory.rglob("*.html")) if directory.is_dir() else ():
        parser = _InlineScripts()
        parser.feed(page.read_text(encoding="utf-8"))
        for body in parser.bodies:
            digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii")
            hashes.add(f"'sha256-{digest}'")
    return tuple(sorted(hashes))


def content_security_policy(sources: PolicySources, script_hashes: Iterable[str] = ()) -> str:
    """The policy: same origin by default, plus exactly the listed hosts and inline scripts.

    Args:
        sources: The hosts allowed per directive beyond 'self'.
        script_hashes: Hash sources of the inline scripts the pages carry.

    Returns:
        The header value.
    """
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *sources.script, *script_hashes],
        # Radix and Emotion inject style elements at run time.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", *sources.image],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'", *sources.connect],
        "frame-src": ["'self'", *sources.frame] if sources.frame else ["'none'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(dict.fromkeys(values))}" for name, values in directives.items())


@dataclass
class _LazyPolicy:
    sources: PolicySources
    static_dir: Path
    _value: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self) -> str:
        if self._value is None:
            with self._lock:
                if self._value is None:
                    hashes = inline_script_hashes(self.static_dir)
                    policy = content_security_policy(self.sources, hashes)
                    if not hashes:
                        # No build yet (a request during the build): ask again next time.
                        return policy
                    self._value = policy
        return self._value


class SecurityHeaders:
    """ASGI middleware adding the security headers to every HTTP response it passes on."""

    def __init__(
        self, app: ASGIApp, *, sources: PolicySources, static_dir: Path, trusted_proxies: Sequence[IPNetwork] = ()
    ) -> None:
        """Wrap `app`.

        Args:
            app: The application whose responses get the headers.
            sources: The hosts the policy allows beyond the app's own origin.
            static_dir: The built frontend, whose inline scripts the policy allows by hash.
            trusted_proxies: Peers whose `X-Forwarded-Proto: https` means the client used https.
        """
        self.app = app
        self._policy = _LazyPolicy(sources, static_dir)
        self._proxies = tuple(trusted_proxies)

    def _https(self, scope: Scope) -> bool:
        if scope.get("scheme") == "https":
            return True
        peer = parse_address((scope.get("client") or ("",))[0])
        if peer is None or not any(peer in network for network in self._proxies):
            return False
        proto = dict(scope.get("headers") or ()).get(b"x-forwarded-proto", b"")
        return proto.split(b",")[0].strip().lower() == b"https"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to its response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = {**FIXED_HEADERS, "Content-Security-Policy": self._policy.get()}
        if self._https(scope):
            extra["Strict-Transport-Security"] = HSTS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def security_headers(
    *, sources: PolicySources, static_dir: Path, trusted_proxies: Sequence[IPNetwork] = ()
) -> Callable[[ASGIApp], ASGIApp]:
    """An `api_transformer` for `rx.App` that wraps the whole backend in `SecurityHeaders`.

    Args:
        sources: The hosts the policy allows beyond the app's own origin.
        static_dir: The built frontend.
        trusted_proxies: Peers trusted to report the client's scheme.

    Returns:
        The transformer.
    """
    return lambda app: SecurityHeaders(app, sources=sources, static_dir=static_dir, trusted_proxies=trusted_proxies)
