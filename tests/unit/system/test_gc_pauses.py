"""Garbage-collection pauses are logged from SMNB_GC_LOG_MS on, and start-up's heap is frozen."""

from __future__ import annotations

import asyncio
import gc
import logging

import pytest

from smnb_app.system.gc_pauses import PauseWatch, freeze_start_up_heap, watch_gc_pauses


def test_a_collection_at_or_over_the_threshold_is_logged_as_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    watch = PauseWatch(threshold_ms=0.0)
    with caplog.at_level(logging.WARNING, logger="smnb_app.system.gc_pauses"):
        watch("start", {"generation": 2})
        watch("stop", {"generation": 2, "collected": 7})
    assert len(caplog.records) == 1
    assert caplog.records[0].getMessage().startswith("garbage collection of generation 2 paused this worker for ")
    assert caplog.records[0].getMessage().endswith(" ms (7 objects freed)")


def test_a_short_collection_is_not_logged(caplog: pytest.LogCaptureFixture) -> None:
    watch = PauseWatch(threshold_ms=60_000.0)
    with caplog.at_level(logging.DEBUG, logger="smnb_app.system.gc_pauses"):
        watch("start", {"generation": 0})
        watch("stop", {"generation": 0, "collected": 0})
    assert caplog.records == []


def test_the_watch_is_installed_once_per_process() -> None:
    before = list(gc.callbacks)
    try:
        watch_gc_pauses(threshold_ms=100)
        watch_gc_pauses(threshold_ms=100)
        assert sum(isinstance(callback, PauseWatch) for callback in gc.callbacks) == 1
    finally:
        gc.callbacks[:] = before


def test_freezing_moves_what_start_up_left_alive_out_of_the_collectors_sight() -> None:
    try:
        asyncio.run(freeze_start_up_heap())
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()
