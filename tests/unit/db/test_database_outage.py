"""A database that does not answer is an outage: a typed error, one log line, a "try again" message."""

from __future__ import annotations

import logging
import socket

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from smnb_app.db import make_engine
from smnb_app.db.availability import DatabaseUnavailable, as_outage
from smnb_app.web.shared.failures import UNAVAILABLE, report_failure


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_refused_connection_is_an_outage_with_the_drivers_reason() -> None:
    engine = make_engine(f"postgresql://nobody@127.0.0.1:{closed_port()}/absent")
    with pytest.raises(Exception) as raised:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    engine.dispose()
    outage = as_outage(raised.value)
    assert isinstance(outage, DatabaseUnavailable)
    assert "refused" in outage.reason.lower() and "\n" not in outage.reason


def test_a_broken_rule_is_not_an_outage() -> None:
    assert as_outage(IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed"))) is None
    assert as_outage(ValueError("bad")) is None


def test_an_outage_is_one_warning_line_and_asks_to_try_again(caplog) -> None:
    with caplog.at_level(logging.WARNING):
        message = report_failure("session action failed", DatabaseUnavailable("connection refused"), "custom")
    assert message == UNAVAILABLE
    (record,) = caplog.records
    assert (record.levelname, record.exc_info) == ("WARNING", None)
    assert "session action failed: the database is unavailable (connection refused)" in caplog.text


def test_any_other_failure_is_an_error_with_its_traceback(caplog) -> None:
    try:
        raise RuntimeError("bug")
    except RuntimeError as exc:
        message = report_failure("session action failed", exc, "custom")
    assert message == "custom"
    (record,) = caplog.records
    assert record.levelname == "ERROR" and record.exc_info is not None
