"""HTTP routes of the embedded dev identity provider, mounted on the Reflex backend.

The provider signs anyone in without a password, so its POST routes are kept to a developer's
own machine and the app's own pages: a loopback client, not relayed by an untrusted proxy and
addressed to localhost (unless remote clients are allowed), a JSON body (which a cross-site form
cannot send without a CORS preflight) and an `Origin` that is one of the app's origins.
Anything else gets 403 with a one-line reason and no token.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from smnb_app.net.client_address import (
    FORWARDING_HEADERS,
    client_address,
    is_loopback,
    is_loopback_host,
    is_trusted_proxy,
)
from smnb_app.providers.dev.provider import DevAuthError, DevIdentityProvider
from smnb_app.settings_values import IPNetwork

_NO_STORE = {"Cache-Control": "no-store"}
NOT_LOOPBACK = "The dev sign-in only answers this machine (set SMNB_DEV_AUTH_ALLOW_REMOTE=1 to allow others)."
RELAYED = "The dev sign-in does not answer requests relayed by a proxy that is not in SMNB_TRUSTED_PROXIES."
NOT_LOCAL_HOST = "The dev sign-in only answers requests addressed to localhost."
NOT_JSON = "The dev sign-in only accepts Content-Type: application/json."
FOREIGN_ORIGIN = "The dev sign-in only answers the app's own pages (Origin)."


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
        if not is_trusted_proxy(peer, self.trusted_proxies):
            # A tunnel or web server on this machine relays for clients anywhere: every request
            # would look local. Proxies say so in these headers; the Host names their site.
            if any(name in request.headers for name in FORWARDING_HEADERS):
                return RELAYED
            if not is_loopback_host(request.headers.get("host")):
                return NOT_LOCAL_HOST
        # Each proxy may add a line of its own rather than extend the first one: read them all.
        forwarded = ", ".join(request.headers.getlist("x-forwarded-for")) or None
        if not is_loopback(client_address(peer, forwarded, self.trusted_proxies)):
            return NOT_LOOPBACK
        return None


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as exc:
        raise DevAuthError("The request body must be JSON.", status=400) from exc
    if not isinstance(body, dict):
        raise DevAuthError("The request body must be a JSON object.", status=400)
    return body


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name, "")
    if not isinstance(value, str):
        raise DevAuthError(f"{name} must be a string.", status=400)
    return value


def _error(message: str, status: int) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=_NO_STORE)


Handler = Callable[[dict[str, Any]], Awaitable[Response]]


def _guarded(policy: DevRoutePolicy, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        refusal = policy.refusal(request)
        if refusal is not None:
            return _error(refusal, 403)
        try:
            return await handler(await _json_body(request))
        except DevAuthError as exc:
            return _error(str(exc), exc.status)

    return endpoint


def dev_auth_routes(provider: DevIdentityProvider, *, prefix: str, policy: DevRoutePolicy) -> Starlette:
    """Build the provider's HTTP API: JWKS, sign-in, token refresh, sign-out and avatars.

    Args:
        provider: The provider answering the requests.
        prefix: The path the routes live under, e.g. `/dev-auth`.
        policy: Who may call the POST routes; its first origin is every token's `azp`.

    Returns:
        A Starlette app to pass to `rx.App(api_transformer=...)`.
    """
    azp = policy.origins[0]

    async def jwks(_: Request) -> Response:
        return JSONResponse(provider.jwks(), headers={"Cache-Control": "public, max-age=300"})

    async def sign_in(body: dict[str, Any]) -> Response:
        issued = await run_in_threadpool(provider.sign_in, email=_text(body, "email"), name=_text(body, "name"),
                                         azp=azp)
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
            provider.refresh, session_id=_text(body, "session_id"), secret=_text(body, "secret"), azp=azp
        )
        return JSONResponse({"token": issued.token, "expires_in": issued.expires_in}, headers=_NO_STORE)

    async def sign_out(body: dict[str, Any]) -> Response:
        await run_in_threadpool(provider.sign_out, session_id=_text(body, "session_id"), secret=_text(body, "secret"))
        return Response(status_code=204, headers=_NO_STORE)

    async def avatar(request: Request) -> Response:
        svg = await run_in_threadpool(provider.avatar_svg, request.path_params["user_id"])
        if svg is None:
            return Response(status_code=404)
        return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=3600"})

    return Starlette(
        routes=[
            Route(f"{prefix}/.well-known/jwks.json", jwks, methods=["GET"]),
            Route(f"{prefix}/sign-in", _guarded(policy, sign_in), methods=["POST"]),
            Route(f"{prefix}/tokens", _guarded(policy, tokens), methods=["POST"]),
            Route(f"{prefix}/sign-out", _guarded(policy, sign_out), methods=["POST"]),
            Route(f"{prefix}/avatars/{{user_id}}.svg", avatar, methods=["GET"]),
        ]
    )
