"""A push to a user's tabs: each tab's state is changed under its lock, and the change says whether the tab stays."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from types import SimpleNamespace
from typing import Any

import pytest

from smnb_app.web.live import delivery
from smnb_app.web.live.registry import SessionsTabs


class FakeApp:
    """Tabs' states by client token; records which tab was locked for each change."""

    def __init__(self, **tabs: Any) -> None:
        self.tabs = tabs
        self.locked: list[str] = []

    @contextlib.asynccontextmanager
    async def modify_state(self, token: Any) -> AsyncIterator[Any]:
        self.locked.append(token.ident)
        tab = self.tabs[token.ident]

        async def get_state(cls: type) -> Any:
            assert cls is SessionsTabs
            return tab

        yield SimpleNamespace(get_state=get_state)


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> FakeApp:
    app = FakeApp(mine=SimpleNamespace(user=1, news=None), switched=SimpleNamespace(user=2, news=None))
    monkeypatch.setattr(delivery, "RegistrationContext", SimpleNamespace(get=lambda: SimpleNamespace(app=app)))
    return app


async def change(tab: Any) -> bool:
    if tab.user != 1:
        return False
    tab.news = "hello"
    return True


async def test_a_push_changes_each_tab_that_is_still_the_users_under_its_lock(app, monkeypatch) -> None:
    reached: dict[str, bool] = {}

    async def reach_tabs(user_id: int, deliver: Callable[[str], Awaitable[bool]], *, sender: str = "") -> None:
        assert (user_id, sender) == (1, "acting")
        reached.update({client: await deliver(client) for client in ("mine", "switched")})

    monkeypatch.setattr(delivery, "reach_tabs", reach_tabs)
    await delivery.push_to_tabs(1, SessionsTabs, change, sender="acting")
    assert reached == {"mine": True, "switched": False}
    assert app.locked == ["mine", "switched"]
    assert (app.tabs["mine"].news, app.tabs["switched"].news) == ("hello", None)


async def test_a_push_in_the_background_goes_through_the_users_registry(app, monkeypatch) -> None:
    sent: list[tuple[str, str, bool]] = []

    def broadcast(token: str, sender: str, deliver: Callable[[str], Awaitable[bool]], *, user_id: int) -> None:
        sent.append((token, sender, user_id == 1))
        pushes.append(deliver("mine"))

    pushes: list[Awaitable[bool]] = []
    monkeypatch.setattr(delivery, "broadcast", broadcast)
    monkeypatch.setattr(delivery, "link_token", lambda user_id: f"user{user_id}k")
    delivery.push_to_other_tabs(1, SessionsTabs, change, sender="acting")
    assert sent == [("user1k", "acting", True)]
    assert await pushes[0] is True and app.tabs["mine"].news == "hello"
