"""Browser tabs of the app, driven in process: each event runs the real handler on the tab's own states.

A `Tab` sends an event the way Reflex's event processor runs one: under the tab's state lock,
with the tab's route, inside an `EventContext` whose state manager is the test's. What the
handler asks of the browser (a redirect) and of the server (a chained event) is recorded in a
`Sent`, not carried out. `in_process_settings` configures the app around it from the
environment: Clerk mode verifying `signing_key(0)`'s tokens without a network.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from reflex.istate.manager import StateManager
from reflex.istate.manager.token import BaseStateToken
from reflex.state import BaseState
from reflex_base.event import Event
from reflex_base.event.context import EventContext
from reflex_base.event.processor.base_state_processor import process_event

from smnb_app.config import settings as settings_module
from smnb_app.providers.dev.issuer import TokenIssuer
from smnb_app.web.shared import detached, runtime
from smnb_app.web.signin.state import AuthState
from tests.support.auth import ORIGIN, signing_key
from tests.support.database import PG_ENV, sqlite_url
from tests.support.settings import publishable_key

S = TypeVar("S", bound=BaseState)
FRONTEND_API = "clerk.unit.test"
ISSUER = f"https://{FRONTEND_API}"
LINK_SECRET = "in-process-link-secret-0123456789abcdef"
# The environment this process may have been started with that would configure the app otherwise.
_FOREIGN_PREFIXES = ("CLERK_", "SMNB_", "REFLEX_ENV_MODE")


def _clear_caches() -> None:
    """Forget the settings and every collaborator built from them (verifier, origins, secrets)."""
    settings_module.get_settings.cache_clear()
    for name, value in vars(runtime).items():
        own = getattr(value, "__module__", None) == runtime.__name__
        if own and not name.startswith("_") and callable(clear := getattr(value, "cache_clear", None)):
            clear()


@contextmanager
def in_process_settings(monkeypatch: pytest.MonkeyPatch, *, database: Path, key_dir: Path) -> Iterator[None]:
    """Configure the app through its environment, as a deployment would, for in-process tabs.

    Args:
        monkeypatch: Restores the environment after the test.
        database: The SQLite file of the app's database.
        key_dir: Where the app may keep its files (none is needed: the link secret is given).
    """
    for name in list(os.environ):
        if name.startswith(_FOREIGN_PREFIXES) and name != PG_ENV:
            monkeypatch.delenv(name)
    environment = {
        "SMNB_AUTH_PROVIDER": "clerk",
        "CLERK_PUBLISHABLE_KEY": publishable_key(FRONTEND_API),
        "CLERK_JWT_KEY": signing_key(0).public_pem(),
        "CLERK_AUTHORIZED_PARTIES": ORIGIN,
        "SMNB_LINK_SECRET": LINK_SECRET,
        "SMNB_CLOCK_SKEW_S": "0",
        "SMNB_DEV_KEY_PATH": str(key_dir / "dev_issuer_key.pem"),
        "DATABASE_URL": sqlite_url(database),
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    _clear_caches()
    try:
        yield
    finally:
        _clear_caches()


def token_for(subject: str, *, issuer: str = ISSUER, key_index: int = 0, **claims: Any) -> str:
    """A session token as the identity provider would mint it now, for the app's origin.

    Args:
        subject: The user (`sub`).
        issuer: Who issues it (`iss`).
        key_index: Which test key signs it (only `signing_key(0)` is trusted).
        **claims: More arguments of `TokenIssuer.issue` (`sid`, `name`, `email`, `lifetime_s`, `iat`, ...).

    Returns:
        The compact JWT.
    """
    return TokenIssuer(issuer, signing_key(key_index), azp=ORIGIN).issue(sub=subject, **claims)


async def background_work_done() -> None:
    """Wait until the work handlers left running in the background (audit rows, live sync) has ended."""
    while pending := list(detached._RUNNING):
        await asyncio.gather(*pending, return_exceptions=True)


@dataclass
class Sent:
    """What one event asked for beyond its state changes: events for the browser and for the server."""

    to_browser: list[Event] = field(default_factory=list)
    to_server: list[Event] = field(default_factory=list)

    @property
    def redirects(self) -> list[str]:
        """The paths the browser was sent to."""
        return [event.payload["path"] for event in self.to_browser if event.name == "_redirect"]

    @property
    def chained(self) -> list[str]:
        """The handlers queued to run next on the server, by their short names."""
        return [event.name.rsplit(".", 1)[-1] for event in self.to_server]


class Tab:
    """One browser tab: its own client token, route and state tree in `manager`."""

    def __init__(self, manager: StateManager, *, path: str = "/sessions", query: dict[str, str] | None = None) -> None:
        self.manager = manager
        self.client_token = str(uuid.uuid4())
        self.router_data: dict[str, Any] = {
            "token": self.client_token,
            "sid": uuid.uuid4().hex,
            "ip": "127.0.0.1",
            "headers": {"origin": ORIGIN, "user-agent": "in-process test tab"},
        }
        self.navigate(path, query)

    def navigate(self, path: str, query: dict[str, str] | None = None) -> None:
        """Show another page: the route the next events carry."""
        query = query or {}
        search = "&".join(f"{key}={value}" for key, value in query.items())
        self.router_data |= {"pathname": path, "asPath": path + (f"?{search}" if search else ""), "query": query}

    async def send(self, state_cls: type[BaseState], event: str, **payload: Any) -> Sent:
        """Run one event of the tab through its handler, as Reflex's event processor does.

        Args:
            state_cls: The state that declares the handler.
            event: The handler's name.
            **payload: The event's arguments, as the browser would send them.

        Returns:
            What the handler asked of the browser and the server.
        """
        sent = Sent()

        async def to_server(token: str, *events: Event) -> None:
            sent.to_server.extend(events)

        async def to_browser(token: str, *events: Event) -> None:
            sent.to_browser.extend(events)

        context = EventContext(
            token=self.client_token,
            state_manager=self.manager,
            enqueue_impl=to_server,
            emit_event_impl=to_browser,
            router_data=self.router_data,
        )
        with context:
            async with self.manager.modify_state(BaseStateToken(ident=self.client_token, cls=state_cls)) as root:
                merged = root._update_router_vars(self.router_data, root.router_data)
                if merged != root.router_data:
                    root.router_data = merged
                state = await root.get_state(state_cls)
                await process_event(
                    handler=state_cls.event_handlers[event], payload=payload, state=state, root_state=root
                )
        return sent

    async def state(self, state_cls: type[S]) -> S:
        """The tab's instance of a state, as the last event left it."""
        root = await self.manager.get_state(BaseStateToken(ident=self.client_token, cls=state_cls))
        return await root.get_state(state_cls)


async def signed_in(manager: StateManager, subject: str, *, path: str = "/sessions", **claims: Any) -> Tab:
    """A new tab on `path` whose token bridge has handed the server a fresh token of `subject`.

    Args:
        manager: The state manager the tab's states live in.
        subject: The user (`sub`).
        path: The page the tab shows.
        **claims: More claims of the token (see `token_for`).

    Returns:
        The tab.
    """
    tab = Tab(manager, path=path)
    await tab.send(AuthState, "set_session_token", token=token_for(subject, **claims))
    return tab
