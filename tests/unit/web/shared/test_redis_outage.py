"""Redis gone: refused events answered over the socket, Reflex's reports folded into one line, healing."""

from __future__ import annotations

import asyncio
import gc
import logging
import re
import socket
from collections.abc import AsyncIterator, Iterator, Mapping
from types import SimpleNamespace
from typing import Any

import pytest
import reflex as rx
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, ResponseError
from reflex.istate.manager import StateManager
from reflex.istate.manager.redis import StateManagerRedis
from reflex.state import BaseState
from reflex.utils.token_manager import RedisTokenManager
from reflex_base.constants.event import SocketEvent
from reflex_base.event import Event, EventHandler
from reflex_base.event.context import EventContext
from reflex_base.event.processor.base_state_processor import process_event

from smnb_app.web.shared import redis_outage
from smnb_app.web.shared.failures import (
    UNAVAILABLE,
    UNFINISHED,
    FailureState,
    backend_exception_handler,
    report_failure,
)

# What the browser tests count as an error line (tests/harness/app_server.py).
ERROR_WORD = re.compile(r"\bERROR\b", re.I)
TASK_REPORT = "_subscribe_lost_and_found_updates: task error suppressed: Error 111 connecting to 127.0.0.1:1."


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(autouse=True)
def watch(monkeypatch: pytest.MonkeyPatch) -> Iterator[redis_outage.OutageWatch]:
    """A fresh watch for each test (the module's one lives as long as the process)."""
    fresh = redis_outage.OutageWatch()
    monkeypatch.setattr(redis_outage, "WATCH", fresh)
    redis_outage.watch_reflex_outage_reports()
    yield fresh


@pytest.fixture
async def gone_redis() -> AsyncIterator[StateManagerRedis]:
    """Reflex's Redis state manager, configured as Reflex does, for a Redis that refuses connections."""
    redis = Redis.from_url(f"redis://127.0.0.1:{closed_port()}/0", retry_on_error=[RedisError])
    manager = StateManagerRedis(redis=redis)
    yield manager
    await manager.close()


async def refused_lock(manager: StateManagerRedis) -> RedisConnectionError:
    with pytest.raises(RedisConnectionError) as raised:
        async with manager.modify_state(rx.BaseStateToken(ident="tab", cls=FailureState)):
            pass
    return raised.value


def tab_state() -> BaseState:
    """A tab's root state (made as Reflex's memory state manager makes one), for a handler that does not read it."""
    return rx.State.get_root_state()(_reflex_internal_init=True)


def event_context(token: str, deltas: list, manager: StateManager) -> EventContext:
    async def emit_delta(token: str, delta: Mapping[str, Mapping[str, Any]]) -> None:
        deltas.append((token, delta))

    async def enqueue(token: str, *events: Event) -> None:
        raise AssertionError("a refused event chains nothing")

    return EventContext(token=token, state_manager=manager, enqueue_impl=enqueue, emit_delta_impl=emit_delta)


async def test_an_event_that_cannot_take_its_lock_is_refused_before_its_handler(gone_redis) -> None:
    error = await refused_lock(gone_redis)
    assert redis_outage.is_redis_outage(error)
    assert redis_outage.refused_before_handler(error)


async def test_redis_failing_inside_a_handler_may_follow_a_write(gone_redis) -> None:
    async def handler(_state: object) -> None:
        async with gone_redis.modify_state(rx.BaseStateToken(ident="other", cls=FailureState)):
            pass

    with pytest.raises(RedisConnectionError) as raised:
        await process_event(handler=EventHandler(fn=handler), payload={}, state=tab_state(), root_state=None)
    assert redis_outage.is_redis_outage(raised.value)
    assert not redis_outage.refused_before_handler(raised.value)


def test_only_connection_failures_are_outages() -> None:
    assert redis_outage.is_redis_outage(RedisConnectionError("Connection closed by server."))
    assert not redis_outage.is_redis_outage(ResponseError("WRONGTYPE"))
    assert not redis_outage.is_redis_outage(ValueError("bad"))


async def test_a_refused_event_gets_its_notice_over_the_socket_and_chains_nothing(gone_redis, watch, caplog) -> None:
    error = await refused_lock(gone_redis)
    deltas: list = []
    EventContext.set(event_context("tab-1", deltas, gone_redis))
    with caplog.at_level(logging.INFO):
        assert backend_exception_handler(error) is None
        assert backend_exception_handler(error) is None
    await asyncio.sleep(0)
    notice = {FailureState.get_full_name(): {"failed_rx_state_": True, "message_rx_state_": UNAVAILABLE}}
    assert deltas == [("tab-1", notice), ("tab-1", notice)]
    assert watch.refused == {"tab-1"}
    assert [(r.levelname, r.name) for r in caplog.records] == [("WARNING", "smnb_app.web.shared.redis_outage")]
    assert "Redis does not answer" in caplog.text and not ERROR_WORD.search(caplog.text)


def test_redis_failing_inside_a_handler_is_reported_as_unfinished(watch, caplog) -> None:
    assert report_failure("session action failed", RedisConnectionError("Connection closed by server.")) == UNFINISHED
    assert watch.began is not None
    assert [r.levelname for r in caplog.records] == ["WARNING"]


def test_reflexs_reports_of_each_failed_redis_call_become_one_warning(watch, caplog) -> None:
    with caplog.at_level(logging.INFO):
        logging.getLogger("reflex.utils.tasks").error(TASK_REPORT)
        logging.getLogger("reflex.utils.token_manager").error(
            "Redis error checking token existence: Error 111 connecting to 127.0.0.1:1. Connection refused."
        )
        try:
            raise RedisConnectionError("Connection closed by server.")
        except RedisConnectionError:
            logging.getLogger("reflex_base.event.processor.base_state_processor").exception("flush failed")
        logging.getLogger("asyncio").error(
            "Task exception was never retrieved\nfuture: <Task name="
            "'reflex_ensure_task|RedisTokenManager._lost_and_found_task' "
            "exception=ConnectionError('Error 111 connecting to 127.0.0.1:1.')>"
        )
    assert [(r.levelname, r.name) for r in caplog.records] == [("WARNING", "smnb_app.web.shared.redis_outage")]
    assert watch.began is not None


def test_other_errors_are_left_as_they_are(watch, caplog) -> None:
    logging.getLogger("reflex.utils.token_manager").error("Redis error storing token: WRONGTYPE Operation")
    logging.getLogger("asyncio").error("Task exception was never retrieved: ConnectError('Connection refused')")
    logging.getLogger("smnb_app.web.live.registry").error("could not update a tab: Error 111 connecting to redis")
    assert [r.levelname for r in caplog.records] == ["ERROR", "ERROR", "ERROR"]
    assert watch.began is None


async def test_listeners_that_gave_up_start_again_and_their_ends_are_not_reported_twice(gone_redis, caplog) -> None:
    token_manager = RedisTokenManager(gone_redis.redis)

    async def gave_up() -> None:
        raise RedisConnectionError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    dead = [asyncio.create_task(gave_up()) for _ in range(3)]
    await asyncio.wait(dead)
    token_manager._lost_and_found_task, token_manager._socket_record_task, gone_redis._lock_task = dead

    async def emit_update(*_: object) -> None:
        return None

    app = SimpleNamespace(event_namespace=SimpleNamespace(_token_manager=token_manager, emit_update=emit_update))
    unretrieved: list = []
    asyncio.get_running_loop().set_exception_handler(lambda _, context: unretrieved.append(context))
    redis_outage._restart_listeners(app, gone_redis)
    started = [token_manager._lost_and_found_task, token_manager._socket_record_task, gone_redis._lock_task]
    assert all(task is not None and task not in dead and not task.done() for task in started)
    del dead
    gc.collect()
    assert unretrieved == []
    for task in started:
        task.cancel()
    await asyncio.gather(*started, return_exceptions=True)
    await token_manager.close()


async def test_refused_tabs_connected_here_are_told_to_reload_once() -> None:
    sent: list = []

    async def emit(event: str, data: dict, to: str) -> None:
        sent.append((event, data, to))

    namespace = SimpleNamespace(namespace="/_event", emit=emit, token_to_sid={"here": "sid-1", "elsewhere": "sid-2"})
    server = SimpleNamespace(manager=SimpleNamespace(is_connected=lambda sid, _: sid == "sid-1"))
    app = SimpleNamespace(event_namespace=namespace, sio=server)
    assert await redis_outage._reload(app, {"here", "elsewhere", "gone"}) == 1
    assert sent == [(str(SocketEvent.STATE_MISMATCH), {"backend": "", "reload_cooldown_ms": 0}, "sid-1")]
