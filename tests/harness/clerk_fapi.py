"""Clerk, offline: stubs of Clerk's browser SDK and UI bundle and of the Frontend API, via Playwright routes."""

from __future__ import annotations

import hashlib
import json
import re
from functools import partial
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import BrowserContext, Route

from smnb_app.providers.dev.issuer import TokenIssuer, new_session_id
from tests.harness.helpers import SECRETS
from tests.support.clerk_backend import ClerkBackendServer, clerk_user

FRONTEND_API = "clerk.example.test"
ISSUER = f"https://{FRONTEND_API}"
# Exactly the URLs @clerk/react 6.18 builds from the publishable key when no custom URL is set:
# clerk-js 6 and the separately loaded UI bundle of @clerk/ui 1, both from the Frontend API.
CLERK_JS_URL = f"https://{FRONTEND_API}/npm/@clerk/clerk-js@6/dist/clerk.browser.js"
CLERK_UI_URL = f"https://{FRONTEND_API}/npm/@clerk/ui@1/dist/ui.browser.js"
STUB_DIR = Path(__file__).parent / "clerk_stub"
# Each script URL and the stub it is answered with.
SCRIPT_STUBS = {CLERK_JS_URL: STUB_DIR / "clerk.browser.js", CLERK_UI_URL: STUB_DIR / "ui.browser.js"}
_CORS = {"Access-Control-Allow-Origin": "*"}
_SESSION_PATH = re.compile(r"/v1/client/sessions/(sess_\w+)/(tokens|end)")


def _serve_script(stub: Path, route: Route) -> None:
    route.fulfill(status=200, path=stub, content_type="application/javascript", headers=_CORS)


def user_id_for(email: str) -> str:
    """The stable Clerk user id the fake gives an email address."""
    return "user_" + hashlib.sha256(email.encode()).hexdigest()[:24]


class FakeFrontendApi:
    """Answers the stub's sign-in, token and sign-out requests, and serves the stubs themselves.

    Users are registered with the Backend API server too, so the app finds their profiles
    there: the tokens, like Clerk's default session token, carry no name or email.
    """

    def __init__(self, backend: ClerkBackendServer, issuer: TokenIssuer) -> None:
        self.backend = backend
        # Signs every token; a test swaps it (or `azp`) to sign like someone else.
        self.issuer = issuer
        self.azp: str | None = None
        self.sessions: dict[str, str] = {}

    def attach(self, context: BrowserContext) -> None:
        """Route Clerk's script URLs to the stubs and the Frontend API to this fake, for `context`."""
        for url, stub in SCRIPT_STUBS.items():
            context.route(url, partial(_serve_script, stub))
        context.route(f"https://{FRONTEND_API}/v1/**", self._answer)

    def register(self, email: str) -> str:
        """Create (or keep) the user of `email`: `ada.lovelace@...` is Ada Lovelace."""
        SECRETS.append(email)
        user_id = user_id_for(email)
        first, _, last = email.split("@")[0].replace(".", " ").title().partition(" ")
        self.backend.users.setdefault(
            user_id, clerk_user(user_id, first=first, last=last or None, emails=[email], image_url=None)
        )
        return user_id

    def _answer(self, route: Route) -> None:
        path = urlsplit(route.request.url).path
        if path in ("/v1/client/sign_ins", "/v1/client/sign_ups"):
            email = parse_qs(route.request.post_data or "")["identifier"][0]
            self._reply(route, 200, self._start_session(email))
            return
        match = _SESSION_PATH.fullmatch(path)
        user_id = self.sessions.get(match.group(1)) if match else None
        if match is None or user_id is None:
            self._reply(route, 404, {"errors": [{"code": "resource_not_found"}]})
        elif match.group(2) == "end":
            self.sessions.pop(match.group(1))
            self._reply(route, 200, {})
        else:
            token = self.issuer.issue(sub=user_id, sid=match.group(1), azp=self.azp)
            SECRETS.append(token)
            self._reply(route, 200, {"jwt": token})

    def _start_session(self, email: str) -> dict:
        user_id = self.register(email)
        session_id = new_session_id()
        self.sessions[session_id] = user_id
        user = self.backend.users[user_id]
        return {
            "session_id": session_id,
            "user": {
                "id": user_id,
                "first_name": user["first_name"],
                "last_name": user["last_name"],
                "email_address": email,
                "image_url": user["image_url"],
                "updated_at": 0,
            },
        }

    @staticmethod
    def _reply(route: Route, status: int, body: dict) -> None:
        route.fulfill(status=status, body=json.dumps(body), content_type="application/json", headers=_CORS)
