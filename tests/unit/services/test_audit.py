"""Audit trail: recording (once per provider session), reading, retention, cleaning, throttle."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy import event as sa_event
from sqlmodel import Session, col, select

from smnb_app.db import AuthEvent, User, epoch_ms, make_engine
from smnb_app.services.audit import (
    AUDIT_KINDS,
    MAX_USER_AGENT,
    AuditEvent,
    SignInView,
    purge_events,
    recent_sign_ins,
    record_event,
)
from smnb_app.services.identity.user_agents import clean_browser_text, describe_user_agent
from smnb_app.system.throttle import Throttle
from tests.support.database import make_user, sqlite_url

T0 = 1_790_000_000_000
SID = "sess_2abcDEF"
CHROME_LINUX = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"
FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0"
IOS = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko)"
ANDROID = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko)"
WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)"


def _rows(engine: Engine) -> list[tuple[Any, ...]]:
    with Session(engine) as other:
        events = other.exec(select(AuthEvent).order_by(col(AuthEvent.id))).all()
        return [(e.at, e.kind, e.user_id, e.sid, e.reason, e.ip, e.user_agent) for e in events]


def _sign_in(db: Session, user_id: int, at: int, *, ip: str = "10.0.0.1", sid: str | None = None) -> None:
    event = AuditEvent("sign_in", user_id=user_id, sid=sid, ip=ip, user_agent=CHROME_LINUX)
    assert record_event(db=db, event=event, now_ms=at)


def test_kinds_and_user_agent_limit() -> None:
    assert AUDIT_KINDS == (
        "sign_in",
        "sign_out",
        "token_rejected",
        "session_expired",
        "rate_limited",
        "webhook",
        "account_deleted",
    )
    assert MAX_USER_AGENT == 256


def test_record_event_stores_every_field(engine: Engine, db: Session) -> None:
    user_id = make_user(db, "alice")
    event = AuditEvent("token_rejected", user_id, SID, "token-expired", "203.0.113.7", CHROME_LINUX)
    assert record_event(db=db, event=event, now_ms=T0) is True
    assert not db.in_transaction()
    assert _rows(engine) == [(T0, "token_rejected", user_id, SID, "token-expired", "203.0.113.7", CHROME_LINUX)]


def test_record_event_time_defaults_to_the_clock(engine: Engine, db: Session) -> None:
    before = epoch_ms()
    assert record_event(db=db, event=AuditEvent("rate_limited", ip="203.0.113.7"))
    ((at, *_),) = _rows(engine)
    assert before <= at <= epoch_ms()


def test_sign_in_is_recorded_once_per_sid(engine: Engine, db: Session) -> None:
    user_id = make_user(db, "alice")
    event = AuditEvent("sign_in", user_id=user_id, sid=SID, ip="10.0.0.1")
    assert record_event(db=db, event=event, now_ms=T0) is True
    assert record_event(db=db, event=event, now_ms=T0 + 50_000) is False
    assert [(at, kind) for at, kind, *_ in _rows(engine)] == [(T0, "sign_in")]
    assert not db.in_transaction()


def test_concurrent_sign_ins_of_one_sid_make_one_row(engine: Engine, db: Session) -> None:
    user_id = make_user(db, "alice")
    barrier = threading.Barrier(20)
    written: list[bool] = []
    errors: list[BaseException] = []

    def record() -> None:
        try:
            with Session(engine) as own:
                barrier.wait()
                event = AuditEvent("sign_in", user_id=user_id, sid=SID)
                written.append(record_event(db=own, event=event))
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=record) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(written) == [False] * 19 + [True]
    assert len(_rows(engine)) == 1


def test_sign_out_is_recorded_once_apart_from_the_sign_in(engine: Engine, db: Session) -> None:
    user_id = make_user(db, "alice")
    assert record_event(db=db, event=AuditEvent("sign_in", user_id, SID), now_ms=T0)
    assert record_event(db=db, event=AuditEvent("sign_out", user_id, SID), now_ms=T0 + 1)
    assert not record_event(db=db, event=AuditEvent("sign_out", user_id, SID), now_ms=T0 + 2)
    assert record_event(db=db, event=AuditEvent("sign_in", user_id, "sess_other"), now_ms=T0 + 3)
    assert [(kind, sid) for _, kind, _, sid, *_ in _rows(engine)] == [
        ("sign_in", SID),
        ("sign_out", SID),
        ("sign_in", "sess_other"),
    ]


@pytest.mark.parametrize(
    ("kind", "sid"),
    [("token_rejected", SID), ("session_expired", SID), ("rate_limited", SID), ("sign_in", None)],
)
def test_other_kinds_and_sidless_events_are_not_deduplicated(
    engine: Engine, db: Session, kind: str, sid: str | None
) -> None:
    for n in range(3):
        assert record_event(db=db, event=AuditEvent(kind, sid=sid), now_ms=T0 + n) is True
    assert [(at, row_kind) for at, row_kind, *_ in _rows(engine)] == [(T0, kind), (T0 + 1, kind), (T0 + 2, kind)]


def test_recent_sign_ins_newest_first_only_the_users_at_most_ten(db: Session) -> None:
    alice, bob = make_user(db, "alice"), make_user(db, "bob")
    for n in range(12):
        _sign_in(db, alice, T0 + n * 1000, ip=f"10.0.0.{n}", sid=f"sess_{n}")
    _sign_in(db, bob, T0 + 99_000, ip="10.9.9.9")
    for kind in ("sign_out", "token_rejected", "session_expired", "rate_limited"):
        record_event(db=db, event=AuditEvent(kind, alice, "sess_11"), now_ms=T0 + 50_000)
    views = recent_sign_ins(db=db, user_id=alice)
    assert [view.at for view in views] == [T0 + n * 1000 for n in range(11, 1, -1)]
    assert views[0] == SignInView(at=T0 + 11_000, ip="10.0.0.11", browser="Chrome 156 on Linux")
    assert [view.ip for view in recent_sign_ins(db=db, user_id=alice, limit=3)] == [
        "10.0.0.11",
        "10.0.0.10",
        "10.0.0.9",
    ]
    assert recent_sign_ins(db=db, user_id=bob) == (
        SignInView(at=T0 + 99_000, ip="10.9.9.9", browser="Chrome 156 on Linux"),
    )
    assert not db.in_transaction()


def test_recent_sign_ins_at_the_same_time_later_recorded_first(db: Session) -> None:
    alice = make_user(db, "alice")
    for ip in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        _sign_in(db, alice, T0, ip=ip)
    assert [view.ip for view in recent_sign_ins(db=db, user_id=alice)] == ["10.0.0.3", "10.0.0.2", "10.0.0.1"]


def test_recent_sign_ins_unknown_ip_and_browser_and_none(db: Session) -> None:
    alice = make_user(db, "alice")
    assert recent_sign_ins(db=db, user_id=alice) == ()
    record_event(db=db, event=AuditEvent("sign_in", alice), now_ms=T0)
    assert recent_sign_ins(db=db, user_id=alice) == (SignInView(T0, "", "Unknown browser"),)
    with pytest.raises(ValueError, match="limit"):
        recent_sign_ins(db=db, user_id=alice, limit=0)


def test_purge_deletes_exactly_the_older_rows(engine: Engine, db: Session) -> None:
    for at in (T0 - 5000, T0 - 1, T0, T0 + 1):
        record_event(db=db, event=AuditEvent("rate_limited"), now_ms=at)
    assert purge_events(db=db, older_than_ms=T0) == 2
    assert [at for at, *_ in _rows(engine)] == [T0, T0 + 1]
    assert purge_events(db=db, older_than_ms=T0) == 0
    assert not db.in_transaction()


def test_deleting_a_user_keeps_their_events_unlinked(engine: Engine, db: Session) -> None:
    alice, bob = make_user(db, "alice"), make_user(db, "bob")
    _sign_in(db, alice, T0, sid=SID)
    _sign_in(db, bob, T0 + 1, sid="sess_bob")
    with db.begin():
        db.delete(db.get(User, alice))
    assert [(user_id, sid) for _, _, user_id, sid, *_ in _rows(engine)] == [(None, SID), (bob, "sess_bob")]
    assert recent_sign_ins(db=db, user_id=bob)[0].at == T0 + 1


def test_event_text_is_cleaned_before_storing(engine: Engine, db: Session) -> None:
    event = AuditEvent(
        "token_rejected",
        sid="s" * 200,
        reason="\x00token-\x1bexpired\n" + "r" * 100,
        ip=" \t\ud800 ",
        user_agent="Mozilla\x00/5.0 \ud83d(X11)\x7f" + "u" * 400,
    )
    assert event.sid == "s" * 128
    assert event.reason == "token-expired" + "r" * 51
    assert event.ip is None
    assert event.user_agent == "Mozilla/5.0 (X11)" + "u" * (256 - 17)
    assert record_event(db=db, event=event, now_ms=T0)
    assert _rows(engine) == [(T0, "token_rejected", None, event.sid, event.reason, None, event.user_agent)]


@pytest.mark.parametrize(
    ("value", "cleaned"),
    [
        (None, None),
        ("", None),
        ("\x00\x07\r\n", None),
        ("  ok  ", "ok"),
        ("caf\u00e9 \U0001f600", "caf\u00e9 \U0001f600"),
        ("a\ud800b\udfffc", "abc"),
        ("a\u200bb", "a\u200bb"),
        ("x" * 70, "x" * 64),
    ],
)
def test_clean_browser_text(value: str | None, cleaned: str | None) -> None:
    assert clean_browser_text(value, 64) == cleaned


def test_unknown_kind_raises() -> None:
    with pytest.raises(ValueError, match="unknown audit event kind"):
        AuditEvent("login")


def test_throttle_allows_a_key_once_per_interval() -> None:
    throttle = Throttle()
    assert throttle.allow("203.0.113.7", 100.0) is True
    assert throttle.allow("203.0.113.7", 100.0) is False
    assert throttle.allow("203.0.113.7", 159.9) is False
    assert throttle.allow("203.0.113.7", 160.0) is True
    assert throttle.allow("203.0.113.7", 200.0) is False


def test_throttle_keys_are_independent() -> None:
    throttle = Throttle(interval_s=10.0)
    assert [throttle.allow(key, 0.0) for key in ("a", "b", "a", "c", "b")] == [True, True, False, True, False]
    assert throttle.allow("a", 10.0) and throttle.allow("b", 10.0)


def test_throttle_remembers_at_most_max_keys_oldest_forgotten_first() -> None:
    throttle = Throttle(max_keys=3, max_per_interval=100)
    for n in range(10):
        assert throttle.allow(f"k{n}", float(n))
    # Only the three latest keys are still remembered; the others pass again.
    assert [throttle.allow(f"k{n}", 20.0) for n in range(9, -1, -1)] == [False] * 3 + [True] * 7


def test_throttle_caps_all_keys_together_per_interval() -> None:
    throttle = Throttle(interval_s=60.0, max_per_interval=3)
    assert [throttle.allow(f"client{n}", 0.0) for n in range(5)] == [True] * 3 + [False] * 2
    assert throttle.allow("client4", 59.0) is False
    # A key refused by the cap was not counted: it passes in the next window.
    assert throttle.allow("client4", 60.0) is True
    assert throttle.allow("client0", 60.0) is True


class _SlowKey(str):
    """A key whose every lookup lets other threads run, as a preempted lookup would."""

    def __hash__(self) -> int:
        time.sleep(0.001)
        return str.__hash__(self)


def test_throttle_lets_one_of_many_concurrent_callers_through() -> None:
    throttle = Throttle()
    barrier = threading.Barrier(8)
    results: list[bool] = []

    def hit() -> None:
        barrier.wait()
        results.append(throttle.allow(_SlowKey("203.0.113.7"), 1.0))

    threads = [threading.Thread(target=hit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]


@pytest.mark.parametrize("arguments", [{"interval_s": 0}, {"max_keys": 0}, {"max_per_interval": 0}])
def test_throttle_rejects_bad_limits(arguments: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        Throttle(**arguments)


@pytest.mark.parametrize(
    ("user_agent", "summary"),
    [
        (CHROME_LINUX, "Chrome 156 on Linux"),
        (FIREFOX_WINDOWS, "Firefox 140 on Windows"),
        (f"{MAC} AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15", "Safari 17 on macOS"),
        (f"{MAC} AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36", "Chrome 140 on macOS"),
        (f"{WINDOWS} Chrome/140.0.0.0 Safari/537.36 Edg/140.0.0.0", "Edge 140 on Windows"),
        (f"{WINDOWS} Chrome/139.0.0.0 Safari/537.36 OPR/124.0.0.0", "Opera 124 on Windows"),
        (f"{ANDROID} Chrome/140.0.0.0 Mobile Safari/537.36", "Chrome on Android"),
        (f"{ANDROID} Chrome/140.0.0.0 Mobile Safari/537.36 EdgA/140.0.0.0", "Edge on Android"),
        (
            "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
            "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
            "Samsung Internet on Android",
        ),
        ("Mozilla/5.0 (Android 14; Mobile; rv:140.0) Gecko/140.0 Firefox/140.0", "Firefox on Android"),
        (f"{IOS} Version/17.4 Mobile/15E148 Safari/604.1", "Safari on iOS"),
        (f"{IOS} CriOS/140.0.7339.101 Mobile/15E148 Safari/604.1", "Chrome on iOS"),
        (f"{IOS} FxiOS/140.0 Mobile/15E148 Safari/605.1.15", "Firefox on iOS"),
        (
            "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.4 Mobile/15E148 Safari/604.1",
            "Safari on iOS",
        ),
        (
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "HeadlessChrome/156.0.0.0 Safari/537.36",
            "HeadlessChrome 156 on Linux",
        ),
        (
            "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/140.0.0.0 Safari/537.36",
            "Chrome 140 on ChromeOS",
        ),
        ("Firefox/140.0", "Firefox 140"),
        (None, "Unknown browser"),
        ("", "Unknown browser"),
        ("curl/8.5.0", "Unknown browser"),
        ("Mozilla/5.0 (X11; Linux x86_64)", "Unknown browser"),
        ("\x00\ud800 Chrome /// Safari", "Unknown browser"),
    ],
)
def test_describe_user_agent(user_agent: str | None, summary: str) -> None:
    assert describe_user_agent(user_agent) == summary


def test_sqlite_recent_sign_ins_reads_the_user_kind_at_index(tmp_path: Path, sqlite_template: Path) -> None:
    path = tmp_path / "plan.db"
    path.write_bytes(sqlite_template.read_bytes())
    eng = make_engine(sqlite_url(path))
    selects: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, sql: str, params: Any, *_: Any) -> None:
        if sql.lstrip().startswith("SELECT"):
            selects.append((sql, params))

    with Session(eng) as own:
        alice = make_user(own, "alice")
        sa_event.listen(eng, "before_cursor_execute", capture)
        recent_sign_ins(db=own, user_id=alice)
    ((sql, params),) = selects
    with eng.connect() as conn:
        plan = " ".join(row[-1] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params))
    eng.dispose()
    assert "ix_auth_events_user_id_kind_at" in plan
    assert "TEMP B-TREE" not in plan
