"""Sign-in upsert, Welcome Session, last-active throttle and profile derivation."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from smnb_app.db import ModelSession, User
from smnb_app.services.identity.users import AuthUser, Identity, get_user, identity_from_claims, upsert_user
from tests.support.database import snapshot

T0 = 1_790_000_000_000
ALICE = Identity("https://issuer.test|user_alice", "Alice", "alice@example.com", None)


def _sessions(engine: Engine, user_id: int) -> list[ModelSession]:
    with Session(engine) as other:
        return list(other.exec(select(ModelSession).where(ModelSession.user_id == user_id)).all())


def test_new_user_gets_a_row_and_one_welcome_session(engine: Engine, db: Session) -> None:
    user = upsert_user(db=db, identity=ALICE, now_ms=T0)
    assert user == AuthUser(user.id, "Alice", "alice@example.com", None, T0, T0)
    assert get_user(db=db, user_id=user.id) == user
    (welcome,) = _sessions(engine, user.id)
    assert (welcome.name, welcome.status, welcome.created_at) == ("Welcome Session", "active", T0)
    assert welcome.settings["model"] == "claude-3-sonnet"
    assert not db.in_transaction()


def test_returning_user_keeps_id_and_created_at(engine: Engine, db: Session) -> None:
    first = upsert_user(db=db, identity=ALICE, now_ms=T0)
    again = upsert_user(db=db, identity=ALICE, now_ms=T0 + 3_600_000)
    assert (again.id, again.created_at, again.last_active_at) == (first.id, T0, T0 + 3_600_000)
    assert len(_sessions(engine, first.id)) == 1


def test_changed_profile_updates_fields(db: Session) -> None:
    first = upsert_user(db=db, identity=ALICE, now_ms=T0)
    changed = Identity(ALICE.token_identifier, "Alice B", None, "https://img.test/a.png")
    user = upsert_user(db=db, identity=changed, now_ms=T0 + 120_000)
    assert user == AuthUser(first.id, "Alice B", None, "https://img.test/a.png", T0, T0 + 120_000)


def test_profile_change_within_a_minute_keeps_last_active_at(db: Session) -> None:
    upsert_user(db=db, identity=ALICE, now_ms=T0)
    renamed = Identity(ALICE.token_identifier, "Alicia", ALICE.email, None)
    user = upsert_user(db=db, identity=renamed, now_ms=T0 + 10_000)
    assert (user.name, user.last_active_at) == ("Alicia", T0)


def test_last_active_at_written_at_most_once_a_minute(engine: Engine, db: Session) -> None:
    upsert_user(db=db, identity=ALICE, now_ms=T0)
    before = snapshot(engine)
    assert upsert_user(db=db, identity=ALICE, now_ms=T0 + 59_999).last_active_at == T0
    assert snapshot(engine) == before
    assert upsert_user(db=db, identity=ALICE, now_ms=T0 + 60_000).last_active_at == T0 + 60_000
    assert upsert_user(db=db, identity=ALICE, now_ms=T0 + 61_000).last_active_at == T0 + 60_000


def test_get_user_missing_is_none(db: Session) -> None:
    assert get_user(db=db, user_id=12345) is None


def test_concurrent_first_sign_ins_make_one_user_and_one_welcome_session(engine: Engine) -> None:
    barrier = threading.Barrier(20)
    results: list[AuthUser] = []
    errors: list[BaseException] = []

    def sign_in() -> None:
        try:
            with Session(engine) as own:
                barrier.wait()
                results.append(upsert_user(db=own, identity=ALICE))
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=sign_in) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len({user.id for user in results}) == 1 and len(results) == 20
    with Session(engine) as other:
        assert len(other.exec(select(User)).all()) == 1
    assert [s.name for s in _sessions(engine, results[0].id)] == ["Welcome Session"]


@pytest.mark.parametrize(
    ("claims", "name", "email", "avatar"),
    [
        ({"name": "Ada L", "first_name": "X", "email": "a@x.io"}, "Ada L", "a@x.io", None),
        ({"first_name": "Ada", "last_name": "Lovelace"}, "Ada Lovelace", None, None),
        ({"given_name": "Ada", "family_name": "King"}, "Ada King", None, None),
        ({"given_name": "Ada"}, "Ada", None, None),
        ({"family_name": "King"}, "King", None, None),
        ({"email": "ada.l@x.io"}, "ada.l", "ada.l@x.io", None),
        ({"email_address": "b@x.io"}, "b", "b@x.io", None),
        ({"primary_email_address": "c@x.io"}, "c", "c@x.io", None),
        ({}, "Unknown User", None, None),
        ({"name": "  ", "email": 42}, "Unknown User", None, None),
        ({"picture": "https://p/1.png", "image_url": "https://p/2.png"}, "Unknown User", None, "https://p/1.png"),
        ({"image_url": "https://p/2.png"}, "Unknown User", None, "https://p/2.png"),
    ],
)
def test_identity_from_claims(claims: dict[str, Any], name: str, email: str | None, avatar: str | None) -> None:
    identity = identity_from_claims(issuer="https://iss.test/", subject="user_1", claims=claims)
    assert identity == Identity("https://iss.test|user_1", name, email, avatar)


def test_auth_user_to_dict() -> None:
    user = AuthUser(1, "A", None, None, T0, T0 + 1)
    assert user.to_dict() == {
        "id": 1,
        "name": "A",
        "email": None,
        "avatar_url": None,
        "created_at": T0,
        "last_active_at": T0 + 1,
    }
