"""The user's tab registry token and the delivery of a change to the user's other tabs."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest

from smnb_app.config.settings import Settings
from smnb_app.db import epoch_ms
from smnb_app.system.secure_files import UnsafeFileError
from smnb_app.web.live import registry
from smnb_app.web.shared import detached, runtime


def _use_key_dir(monkeypatch: pytest.MonkeyPatch, directory: Path, link_secret: str | None = None) -> None:
    settings = SimpleNamespace(dev_key_path=str(directory / "dev_issuer_key.pem"), link_secret=link_secret)
    monkeypatch.setattr(runtime, "get_settings", lambda: settings)
    runtime.get_link_secret.cache_clear()


@pytest.fixture(autouse=True)
def fresh_secret() -> Iterator[None]:
    runtime.get_link_secret.cache_clear()
    yield
    runtime.get_link_secret.cache_clear()


def test_link_token_is_stable_per_user_and_free_of_underscores(tmp_path, monkeypatch) -> None:
    _use_key_dir(monkeypatch, tmp_path / "keys")
    token = registry.link_token(42)
    assert re.fullmatch(r"user42k[0-9a-f]{40}", token)
    assert registry.link_token(42) == token != registry.link_token(43)
    assert (tmp_path / "keys" / "link_secret").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "keys").stat().st_mode & 0o777 == 0o700


def test_exposed_link_secret_is_refused_with_what_to_fix(tmp_path, monkeypatch) -> None:
    _use_key_dir(monkeypatch, tmp_path / "keys")
    registry.link_token(1)
    (tmp_path / "keys" / "link_secret").chmod(0o644)
    _use_key_dir(monkeypatch, tmp_path / "keys")
    with pytest.raises(UnsafeFileError, match=r"link_secret is accessible by group or others; run `chmod 600 "):
        registry.link_token(1)


def test_link_secret_behind_a_symlink_is_refused(tmp_path, monkeypatch) -> None:
    (tmp_path / "keys").mkdir(mode=0o700)
    (tmp_path / "elsewhere").write_bytes(b"s" * 32)
    (tmp_path / "keys" / "link_secret").symlink_to(tmp_path / "elsewhere")
    _use_key_dir(monkeypatch, tmp_path / "keys")
    with pytest.raises(UnsafeFileError, match="a symlink"):
        registry.link_token(1)
    assert (tmp_path / "elsewhere").read_bytes() == b"s" * 32


def test_registering_beyond_the_tab_limit_drops_the_longest_silent_tabs() -> None:
    tabs = {"a": 100, "b": 300, "c": 200}
    registry.register_tab(tabs, client="d", now_ms=400, limit=3)
    assert tabs == {"b": 300, "c": 200, "d": 400}
    registry.register_tab(tabs, client="b", now_ms=500, limit=3)
    assert tabs == {"b": 500, "c": 200, "d": 400}
    registry.register_tab(tabs, client="e", now_ms=600, limit=1)
    assert tabs == {"e": 600}


def test_link_token_survives_a_restart_but_not_another_secret(tmp_path, monkeypatch) -> None:
    _use_key_dir(monkeypatch, tmp_path / "one")
    first = registry.link_token(7)
    _use_key_dir(monkeypatch, tmp_path / "one")
    assert registry.link_token(7) == first
    _use_key_dir(monkeypatch, tmp_path / "two")
    assert registry.link_token(7) != first


def test_configured_link_secret_is_shared_by_every_host(tmp_path, monkeypatch) -> None:
    _use_key_dir(monkeypatch, tmp_path / "host-a", link_secret="s" * 32)
    first = registry.link_token(7)
    _use_key_dir(monkeypatch, tmp_path / "host-b", link_secret="s" * 32)
    assert registry.link_token(7) == first
    assert not (tmp_path / "host-b" / "link_secret").exists()


class FakeRegistries:
    """`_read_tabs` and `_edit_tabs` over plain dicts: each user token's registry of tabs."""

    def __init__(self, **registries: dict[str, int]) -> None:
        self.data = registries

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(registry, "_edit_tabs", self.edit)
        monkeypatch.setattr(registry, "_read_tabs", self.read)

    async def read(self, token: str) -> dict[str, int]:
        return dict(self.data.get(token, {}))

    async def edit(self, token: str, change: Callable[[dict[str, int]], None]) -> dict[str, int]:
        tabs = self.data.setdefault(token, {})
        change(tabs)
        return dict(tabs)


async def test_broadcast_reaches_every_other_tab_and_forgets_tabs_that_are_gone(monkeypatch, caplog) -> None:
    now = epoch_ms()
    closed = now - registry.STALE_AFTER_MS - 1
    registries = FakeRegistries(
        alice={"sender": now, "live": now, "signed-out": now, "broken": now, "closed": closed},
        bob={"bobs-tab": now},
    )
    registries.install(monkeypatch)
    delivered: list[str] = []

    async def deliver(client: str) -> bool:
        delivered.append(client)
        if client == "broken":
            raise RuntimeError("boom")
        return client == "live"

    with caplog.at_level(logging.INFO, logger=registry.__name__):
        await registry._broadcast("alice", "sender", deliver, user_id=1)

    assert sorted(delivered) == ["broken", "live", "signed-out"]
    assert registries.data == {"alice": {"sender": now, "live": now}, "bob": {"bobs-tab": now}}
    assert "could not update a tab" in caplog.text
    assert "live sync: news of user 1 reached 1 of 3 tabs" in caplog.text


async def test_broadcast_runs_in_the_background_until_done(monkeypatch) -> None:
    registries = FakeRegistries(alice={"other": epoch_ms()})
    registries.install(monkeypatch)
    release = asyncio.Event()
    delivered: list[str] = []

    async def deliver(client: str) -> bool:
        await release.wait()
        delivered.append(client)
        return True

    registry.broadcast("alice", "sender", deliver, user_id=1)
    assert len(detached._RUNNING) == 1 and delivered == []
    release.set()
    await asyncio.gather(*detached._RUNNING)
    assert delivered == ["other"] and not detached._RUNNING


async def test_tab_that_signs_in_again_during_a_broadcast_stays_registered(monkeypatch) -> None:
    now = epoch_ms()
    registries = FakeRegistries(alice={"returning": now})
    registries.install(monkeypatch)

    async def deliver(client: str) -> bool:
        registries.data["alice"][client] = now + 1  # its fresh sign-in registered it again
        return False  # while the delivery still saw it signed out

    await registry._broadcast("alice", "sender", deliver, user_id=1)
    assert registries.data["alice"] == {"returning": now + 1}


@pytest.mark.parametrize(
    ("provider", "lifetime_s", "stale_ms"),
    [
        ("dev", 60, registry.STALE_AFTER_MS),
        ("dev", 3600, 7_200_000),
        ("clerk", 3600, registry.STALE_AFTER_MS),
    ],
)
def test_a_tab_counts_as_closed_after_two_token_lives_of_silence_at_least(
    monkeypatch, provider, lifetime_s, stale_ms
) -> None:
    settings = Settings(auth_provider=provider, dev_token_lifetime_s=lifetime_s)
    monkeypatch.setattr(registry, "get_settings", lambda: settings)
    assert registry.stale_after_ms() == stale_ms
