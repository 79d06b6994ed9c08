"""HTTP routes of the embedded dev identity provider, mounted on the Reflex backend."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from smnb_app.auth.dev_provider import DevAuthError, DevIdentityProvider

_NO_STORE = {"Cache-Control": "no-store"}


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


def _error(exc: DevAuthError) -> JSONResponse:
    return JSONResponse({"error": str(exc)}, status_code=exc.status, headers=_NO_STORE)


def dev_auth_routes(provider: DevIdentityProvider, *, prefix: str) -> Starlette:
    """Build the provider's HTTP API: JWKS, sign-in, token refresh, sign-out and avatars.

    Args:
        provider: The provider answering the requests.
        prefix: The path the routes live under, e.g. `/dev-auth`.

    Returns:
        A Starlette app to pass to `rx.App(api_transformer=...)`.
    """

    async def jwks(_: Request) -> Response:
        return JSONResponse(provider.jwks(), headers={"Cache-Control": "public, max-age=300"})

    async def sign_in(request: Request) -> Response:
        try:
            body = await _json_body(request)
            issued = await run_in_threadpool(
                provider.sign_in,
                email=_text(body, "email"), name=_text(body, "name"), azp=request.headers.get("origin")
            )
        except DevAuthError as exc:
            return _error(exc)
        return JSONResponse(
            {
                "session_id": issued.session_id,
                "secret": issued.secret,
                "token": issued.token.token,
                "expires_in": issued.token.expires_in,
            },
            headers=_NO_STORE,
        )

    async def tokens(request: Request) -> Response:
        try:
            body = await _json_body(request)
            issued = await run_in_threadpool(
                provider.refresh,
                session_id=_text(body, "session_id"),
                secret=_text(body, "secret"),
                azp=request.headers.get("origin"),
            )
        except DevAuthError as exc:
            return _error(exc)
        return JSONResponse({"token": issued.token, "expires_in": issued.expires_in}, headers=_NO_STORE)

    async def sign_out(request: Request) -> Response:
        try:
            body = await _json_body(request)
            await run_in_threadpool(provider.sign_out, session_id=_text(body, "session_id"), secret=_text(body, "secret"))
        except DevAuthError as exc:
            return _error(exc)
        return Response(status_code=204, headers=_NO_STORE)

    async def avatar(request: Request) -> Response:
        svg = await run_in_threadpool(provider.avatar_svg, request.path_params["user_id"])
        if svg is None:
            return Response(status_code=404)
        return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=3600"})

    return Starlette(
        routes=[
            Route(f"{prefix}/.well-known/jwks.json", jwks, methods=["GET"]),
            Route(f"{prefix}/sign-in", sign_in, methods=["POST"]),
            Route(f"{prefix}/tokens", tokens, methods=["POST"]),
            Route(f"{prefix}/sign-out", sign_out, methods=["POST"]),
            Route(f"{prefix}/avatars/{{user_id}}.svg", avatar, methods=["GET"]),
        ]
    )
