"""No log line of the process holds a tab token, a session token, a password, a secret or an email."""

from __future__ import annotations

import logging

import pytest

from smnb_app.system.log import install_redaction, redact

TAB = "282d71f2-bd81-486a-934c-065a2201645e"
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyX3gifQ.c2lnbmF0dXJl"


@pytest.mark.parametrize(
    ("line", "kept", "gone"),
    [
        (f"Attempting to send delta to disconnected client {TAB!r}", "disconnected client", TAB),
        (f"task reflex_disconnect_token|{TAB}|1765.2", "reflex_disconnect_token|<tab>|", TAB),
        (f'"GET /_event/?EIO=4&transport=websocket&token={TAB} HTTP/1.1"', "transport=websocket", TAB),
        ("upstream: http://i/_event/?token=anything-at-all&EIO=4", "token=<redacted>&EIO=4", "anything-at-all"),
        (f"set_session_token({JWT})", "set_session_token(<jwt>)", JWT),
        ("DATABASE_URL postgresql://smnb:hunter2@db:5432/smnb", "postgresql://smnb:***@db:5432/smnb", "hunter2"),
        ("key sk_live_abc123 and whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "key <secret> and <secret>", "abc123"),
        ("signed in as Ada.Lovelace+x@example.co.uk now", "signed in as <email> now", "Lovelace"),
    ],
)
def test_secrets_are_replaced_and_the_rest_kept(line: str, kept: str, gone: str) -> None:
    assert kept in redact(line) and gone not in redact(line)


def test_addresses_and_user_at_ip_stay_readable() -> None:
    line = "refused a websocket from 127.0.0.5: postgresql://root@127.0.0.1:5432/test"
    assert redact(line) == line


def test_every_logger_of_the_process_is_redacted_tracebacks_included(caplog: pytest.LogCaptureFixture) -> None:
    install_redaction()
    with caplog.at_level(logging.INFO):
        logging.getLogger("reflex.app").warning("client %s", TAB)
        try:
            raise ValueError(f"bad token {JWT}")
        except ValueError:
            logging.getLogger("engineio.server").exception("message async handler error")
    text = caplog.text + "".join(record.getMessage() for record in caplog.records)
    assert TAB not in text and JWT not in text
    assert "client <tab>" in text and "ValueError: bad token <jwt>" in text
