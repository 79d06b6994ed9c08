"""Every validation rule at and just past its bounds; a rejected input changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from smnb_app.services import sessions as svc
from smnb_app.services.sessions import SessionValidationError
from tests.support.database import make_user, snapshot

NAME_RULE = "Name must be 1 to 100 characters"
CONTROL_RULE = "Name must not contain control characters"


@pytest.fixture
def owned(db: Session) -> tuple[int, int]:
    """A user and one full-control session of theirs, so every setting may change."""
    user_id = make_user(db, "alice")
    view = svc.create_session(db=db, user_id=user_id, name="Start", settings={"control_mode": "full-control"})
    return user_id, view.id


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a", "a"),
        (" " * 3 + "b" * 100 + "\t ", "b" * 100),
        ("😀 ok", "😀 ok"),
        ("👨\u200d👩\u200d👧 family", "👨\u200d👩\u200d👧 family"),
    ],
)
def test_valid_names(db: Session, owned: tuple[int, int], name: str, expected: str) -> None:
    user_id, session_id = owned
    renamed = svc.rename_session(db=db, user_id=user_id, session_id=session_id, name=name)
    assert renamed.name == expected
    assert svc.create_session(db=db, user_id=user_id, name=name).name == expected


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", NAME_RULE),
        ("   ", NAME_RULE),
        ("c" * 101, NAME_RULE),
        (" " + "c" * 101, NAME_RULE),
        ("a\nb", CONTROL_RULE),
        ("a\x00b", CONTROL_RULE),
        ("tab\there", CONTROL_RULE),
        ("a\x7fb", CONTROL_RULE),
        ("evil\u202etxt", CONTROL_RULE),
        ("x\ud800", CONTROL_RULE),
        (None, "Name must be a string"),
        (42, "Name must be a string"),
    ],
)
def test_invalid_names_change_nothing(
    engine: Engine, db: Session, owned: tuple[int, int], name: Any, message: str
) -> None:
    user_id, session_id = owned
    before = snapshot(engine)
    with pytest.raises(SessionValidationError, match=f"^{message}$"):
        svc.rename_session(db=db, user_id=user_id, session_id=session_id, name=name)
    if name is not None:
        with pytest.raises(SessionValidationError, match=f"^{message}$"):
            svc.create_session(db=db, user_id=user_id, name=name)
    assert snapshot(engine) == before


VALID = [
    ("temperature", 0),
    ("temperature", 2),
    ("temperature", 2.0),
    ("temperature", 0.01),
    ("max_tokens", 256),
    ("max_tokens", 4096),
    ("max_tokens", 2049),
    ("top_p", 0),
    ("top_p", 1),
    ("top_p", 0.5),
    ("frequency_penalty", -2),
    ("frequency_penalty", 2),
    ("presence_penalty", -2),
    ("presence_penalty", 2),
    ("presence_penalty", 1.5),
    *[("model", model) for model in svc.MODELS],
    *[("control_mode", mode) for mode in svc.CONTROL_MODES],
]


@pytest.mark.parametrize(("key", "value"), VALID)
def test_valid_settings(db: Session, owned: tuple[int, int], key: str, value: Any) -> None:
    user_id, session_id = owned
    view = svc.update_settings(db=db, user_id=user_id, session_id=session_id, changes={key: value})
    assert view.settings[key] == value
    assert svc.create_session(db=db, user_id=user_id, settings={key: value}).settings[key] == value


INVALID = [
    ({"temperature": -0.01}, "temperature must be between 0 and 2"),
    ({"temperature": 2.01}, "temperature must be between 0 and 2"),
    ({"temperature": float("nan")}, "temperature must be a finite number"),
    ({"temperature": float("inf")}, "temperature must be a finite number"),
    ({"temperature": True}, "temperature must be a number"),
    ({"temperature": "0.7"}, "temperature must be a number"),
    ({"temperature": None}, "temperature must be a number"),
    ({"max_tokens": 255}, "max_tokens must be between 256 and 4096"),
    ({"max_tokens": 4097}, "max_tokens must be between 256 and 4096"),
    ({"max_tokens": 2048.5}, "max_tokens must be an integer"),
    ({"max_tokens": 2048.0}, "max_tokens must be an integer"),
    ({"max_tokens": False}, "max_tokens must be an integer"),
    ({"top_p": -0.01}, "top_p must be between 0 and 1"),
    ({"top_p": 1.01}, "top_p must be between 0 and 1"),
    ({"top_p": float("-inf")}, "top_p must be a finite number"),
    ({"frequency_penalty": -2.01}, "frequency_penalty must be between -2 and 2"),
    ({"frequency_penalty": 2.01}, "frequency_penalty must be between -2 and 2"),
    ({"presence_penalty": -2.01}, "presence_penalty must be between -2 and 2"),
    ({"presence_penalty": 2.01}, "presence_penalty must be between -2 and 2"),
    ({"presence_penalty": 10**400}, "presence_penalty must be between -2 and 2"),
    ({"model": "gpt-5"}, "model must be one of: claude-3-opus, claude-3-sonnet, claude-3-haiku, gpt-4, gpt-4-turbo"),
    ({"model": "GPT-4"}, "model must be one of: "),
    ({"model": None}, "model must be one of: "),
    ({"control_mode": "manual"}, "control_mode must be one of: hands-free, balanced, full-control"),
    ({"control_mode": 1}, "control_mode must be one of: "),
    ({"colour": "red"}, "Unknown setting: colour"),
    ({"model": "gpt-4", "stream": True}, "Unknown setting: stream"),
    ({"temperature": 3, "top_p": 2}, "temperature must be between 0 and 2; top_p must be between"),
    (["model"], "Settings must be an object"),
    ("gpt-4", "Settings must be an object"),
]


@pytest.mark.parametrize(("changes", "message"), INVALID)
def test_invalid_settings_change_nothing(
    engine: Engine, db: Session, owned: tuple[int, int], changes: Any, message: str
) -> None:
    user_id, session_id = owned
    before = snapshot(engine)
    with pytest.raises(SessionValidationError) as update_error:
        svc.update_settings(db=db, user_id=user_id, session_id=session_id, changes=changes)
    with pytest.raises(SessionValidationError) as create_error:
        svc.create_session(db=db, user_id=user_id, settings=changes)
    assert str(update_error.value).startswith(message)
    assert str(create_error.value) == str(update_error.value)
    assert snapshot(engine) == before


@pytest.mark.parametrize("status", ["deleted", "Active", "", None, 1])
def test_invalid_status_changes_nothing(engine: Engine, db: Session, owned: tuple[int, int], status: Any) -> None:
    user_id, session_id = owned
    before = snapshot(engine)
    message = "^status must be one of: active, paused, archived$"
    with pytest.raises(SessionValidationError, match=message):
        svc.set_status(db=db, user_id=user_id, session_id=session_id, status=status)
    assert snapshot(engine) == before
