"""HTTP routes of the embedded dev identity provider, mounted on the Reflex backend.

The provider signs anyone in without a password, so its POST routes are kept to a developer's
own machine and the app's own pages: a loopback client, not relayed by an untrusted proxy and
addressed to localhost (unless remote clients are allowed), a JSON body (which a cross-site form
cannot send without a CORS preflight) and an `Origin` that is one of the app's origins.
Anything else gets 403 with a one-line reason and no token.

A body is read only after those checks, at most `MAX_BODY_BYTES` of it, and must be a shallow
JSON object. Every refusal is `{"error": "<one line>"}` with `Cache-Control: no-store` and at
most one log line naming the route and the reason, never what was sent.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from smnb_app.config.values import IPNetwork
from smnb_app.net.client_address import (
    FORWARDING_HEADERS,
    client_address,
    is_loopback,
    is_loopback_host,
    is_trusted_proxy,
)
from smnb_app.providers.dev.provider import DevAuthError, DevIdentityProvider
from smnb_app.system.throttle import Throttle

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 4096
# The routes take flat objects of strings; one level more leaves room without inviting recursion.
MAX_JSON_DEPTH = 2
_NO_STORE = {"Cache-Control": "no-store"}
NOT_LOOPBACK = "The dev sign-in only answers this machine (set SMNB_DEV_AUTH_ALLOW_REMOTE=1 to allow others)."
RELAYED = "The dev sign-in does not answer requests relayed by a proxy that is not in SMNB_TRUSTED_PROXIES."
NOT_LOCAL_HOST = "The dev sign-in only answers requests addressed to localhost."
NOT_JSON = "The dev sign-in only accepts Content-Type: application/json."
FOREIGN_ORIGIN = "The dev sign-in only answers the app's own pages (Origin)."
BODY_TOO_LARGE = f"The request body must be at most {MAX_BODY_BYTES} bytes."
BAD_CONTENT_LENGTH = "The Content-Length header must be a number of bytes."
BODY_CUT_OFF = "The request body was cut off."
BODY_NOT_JSON = "The request body must be JSON (UTF-8)."
BODY_TOO_DEEP = f"The request body must not nest deeper than {MAX_JSON_DEPTH} levels."
BODY_NOT_OBJECT = "The request body must be a JSON object."
NO_AVATAR = "There is no avatar at this address."


# Refusals are logged, but a flood of them must not fill the disk: each line at most once per
# 10 s, and 10 lines per 10 s in all.
_LOG_QUOTA = Throttle(interval_s=10.0, max_per_interval=10)


@dataclass(frozen=True)
class DevRoutePolicy:
    """Who may call the provider's POST routes.

    Attributes:
        origins: The app's origins; the first is the `azp` of every token.
        trusted_proxies: Peers whose `X-Forwarded-For` names the client.
        allow_remote: Answer clients that are not on this machine too.
    """

    origins: tuple[str, ...]
    trusted_proxies: Sequence[IPNetwork] = ()
    allow_remote: bool = False

    def refusal(self, request: Request) -> str | None:
        """Why `request` may not sign anyone in, or None when it may."""
        if not self.allow_remote:
            refusal = self._remote_refusal(request)
            if refusal is not None:
                return refusal
        media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media_type != "application/json":
            return NOT_JSON
        if request.headers.get("origin") not in self.origins:
            return FOREIGN_ORIGIN
        return None

    def _remote_refusal(self, request: Request) -> str | None:
        peer = request.client.host if request.client else None
        # A tunnel or web server on this machine relays for clients anywhere: every request
        # would look local. Proxies say so in these headers.
        if not is_trusted_proxy(peer, self.trusted_proxies) and any(
            name in request.headers for name in FORWARDING_HEADERS
        ):
            return RELAYED
        # Checked behind a trusted proxy too: a relay in front of it that adds no header of its
        # own passes for a local client, but the Host still names the public site.
        if not is_loopback_host(request.headers.get("host")):
            return NOT_LOCAL_HOST
        # Each proxy may add a line of its own rather than extend the first one: read them all.
        forwarded = ", ".join(request.headers.getlist("x-forwarded-for")) or None
        if not is_loopback(client_address(peer, forwarded, self.trusted_proxies)):
            return NOT_LOOPBACK
        return None


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None:
        if not (declared.isascii() and declared.isdigit()):
            raise DevAuthError(BAD_CONTENT_LENGTH, status=400)
        # Compared as text first: int() refuses strings of thousands of digits.
        digits = declared.lstrip("0")
        if len(digits) > len(str(MAX_BODY_BYTES)) or int(digits or "0") > MAX_BODY_BYTES:
            raise DevAuthError(BODY_TOO_LARGE, status=413)
    body = bytearray()
    try:
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                raise DevAuthError(BODY_TOO_LARGE, status=413)
    except ClientDisconnect as exc:
        raise DevAuthError(BODY_CUT_OFF, status=400) from exc
    return bytes(body)


def _depth(value: Any) -> int:
    """How deeply `value` nests (a scalar is 0), walked without recursion."""
    deepest, pending = 0, [(value, 0)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level + 1)
            pending.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw.decode("utf-8"))
    except RecursionError as exc:
        raise DevAuthError(BODY_TOO_DEEP, status=400) from exc
    except ValueError as exc:  # UnicodeDecodeError included
        raise DevAuthError(BODY_NOT_JSON, status=400) from exc
    if not isinstance(body, dict):
        raise DevAuthError(BODY_NOT_OBJECT, status=400)
    if _depth(body) > MAX_JSON_DEPTH:
        raise DevAuthError(BODY_TOO_DEEP, status=400)
    return body


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name, "")
    if not isinstance(value, str):
        raise DevAuthError(f"{name} must be a string.", status=400)
    return value


def _refuse(route: str, message: str, status: int) -> JSONResponse:
    # The route's name, never its path: a path can be as long and strange as a client likes.
    if _LOG_QUOTA.allow(f"{route}|{message}", time.monotonic()):
        logger.info("dev-auth %s refused (%d): %s", route, status, message)
    return JSONResponse({"error": message}, status_code=status, headers=_NO_STORE)


Handler = Callable[[dict[str, Any]], Awaitable[Response]]


def _guarded(route: str, policy: DevRoutePolicy, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        refusal = policy.refusal(request)
        if refusal is not None:
            return _refuse(route, refusal, 403)
        try:
            return await handler(_json_object(await _read_body(request)))
        except DevAuthError as exc:
            return _refuse(route, str(exc), exc.status)

    return endpoint


def dev_auth_routes(issuer: Callable[[], DevIdentityProvider], *, prefix: str, policy: DevRoutePolicy) -> Starlette:
    """Build the provider's HTTP API: JWKS, sign-in, token refresh, sign-out and avatars.

    Args:
        issuer: Returns the provider answering the requests; called per request, so building
            the routes loads no key (the app loads it at start-up).
        prefix: The path the routes live under, e.g. `/dev-auth`.
        policy: Who may call the POST routes; its first origin is every token's `azp`.

    Returns:
        A Starlette app to pass to `rx.App(api_transformer=...)`.
    """
    azp = policy.origins[0]

    async def jwks(_: Request) -> Response:
        return JSONResponse(issuer().jwks(), headers={"Cache-Control": "public, max-age=300"})

    async def sign_in(body: dict[str, Any]) -> Response:
        issued = await run_in_threadpool(
            issuer().sign_in, email=_text(body, "email"), name=_text(body, "name"), azp=azp
        )
        return JSONResponse(
            {
                "session_id": issued.session_id,
                "secret": issued.secret,
                "token": issued.token.token,
                "expires_in": issued.token.expires_in,
            },
            headers=_NO_STORE,
        )

    async def tokens(body: dict[str, Any]) -> Response:
        issued = await run_in_threadpool(
            issuer().refresh, session_id=_text(body, "session_id"), secret=_text(body, "secret"), azp=azp
        )
        return JSONResponse({"token": issued.token, "expires_in": issued.expires_in}, headers=_NO_STORE)

    async def sign_out(body: dict[str, Any]) -> Response:
        await run_in_threadpool(issuer().sign_out, session_id=_text(body, "session_id"), secret=_text(body, "secret"))
        return Response(status_code=204, headers=_NO_STORE)

    async def avatar(request: Request) -> Response:
        # Drawn from the id alone, without the store: the answer says nothing of who signed in.
        svg = issuer().avatar_svg(request.path_params["user_id"])
        if svg is None:
            return _refuse("avatars", NO_AVATAR, 404)
        return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=3600"})

    return Starlette(
        routes=[
            Route(f"{prefix}/.well-known/jwks.json", jwks, methods=["GET"]),
            Route(f"{prefix}/sign-in", _guarded("sign-in", policy, sign_in), methods=["POST"]),
            Route(f"{prefix}/tokens", _guarded("tokens", policy, tokens), methods=["POST"]),
            Route(f"{prefix}/sign-out", _guarded("sign-out", policy, sign_out), methods=["POST"]),
            # Any path under avatars/ (slashes too) ends here, so every malformed id gets the same 404.
            Route(f"{prefix}/avatars/{{user_id:path}}.svg", avatar, methods=["GET"]),
        ]
    )
