"""SessionsState in process: every action changes the verified user's sessions, and only theirs."""

from __future__ import annotations

import json
from typing import Any

from reflex.istate.manager.memory import StateManagerMemory
from sqlalchemy import Engine, text

from smnb_app.web.live.link import SessionsLink
from smnb_app.web.sessions.state import SessionsState
from smnb_app.web.signin.state import AuthState
from tests.support.tabs import Tab, signed_in, token_for

NOT_FOUND = "Session not found"


def stored(engine: Engine) -> list[tuple[int, str, str, str]]:
    """Every session as the database has it: (id, owner's subject, name, status), by id."""
    sql = "SELECT s.id, u.token_identifier, s.name, s.status FROM sessions s JOIN users u ON u.id = s.user_id"
    with engine.connect() as conn:
        found = conn.execute(text(sql + " ORDER BY s.id")).all()
    return [(session_id, owner.rsplit("|", 1)[1], name, status) for session_id, owner, name, status in found]


def stored_settings(engine: Engine, session_id: int) -> dict[str, Any]:
    with engine.connect() as conn:
        raw = conn.execute(text("SELECT settings FROM sessions WHERE id = :id"), {"id": session_id}).scalar_one()
    return raw if isinstance(raw, dict) else json.loads(raw)


async def on_sessions_page(manager: StateManagerMemory, subject: str) -> Tab:
    """A signed-in tab of `subject` on /sessions, its list loaded."""
    tab = await signed_in(manager, subject, name=subject)
    await tab.send(SessionsState, "ensure_loaded")
    return tab


async def shown(tab: Tab) -> list[tuple[int, str, str]]:
    """The rows the tab shows: (id, name, status), in order."""
    return [(row.id, row.name, row.status) for row in (await tab.state(SessionsState)).sessions]


async def error(tab: Tab) -> str:
    return (await tab.state(SessionsState)).error


async def test_create_adds_a_session_for_the_signed_in_user_and_shows_it(
    state_manager: StateManagerMemory, app_database: Engine
) -> None:
    ada, bob = await on_sessions_page(state_manager, "user_ada"), await on_sessions_page(state_manager, "user_bob")
    bobs_rows = await shown(bob)
    await ada.send(SessionsState, "create")

    (welcome, _, _, _), _, (created, _, name, status) = stored(app_database)
    assert [owner for _, owner, _, _ in stored(app_database)] == ["user_ada", "user_bob", "user_ada"]
    assert (await shown(ada)) == [(created, name, status), (welcome, "Welcome Session", "active")]
    assert (await ada.state(SessionsLink)).counts == {"active": 2, "paused": 0, "archived": 0, "total": 2}
    assert await shown(bob) == bobs_rows and (await bob.state(SessionsLink)).counts["total"] == 1


async def test_rename_saves_the_trimmed_name_and_closes_the_field(
    state_manager: StateManagerMemory, app_database: Engine
) -> None:
    tab = await on_sessions_page(state_manager, "user_ada")
    ((session_id, _, _),) = await shown(tab)
    await tab.send(SessionsState, "start_rename", session_id=session_id)
    assert (await tab.state(SessionsState)).editing_id == session_id

    await tab.send(SessionsState, "save_rename", form_data={"name": "  Research notes  "})
    state = await tab.state(SessionsState)
    assert (state.editing_id, state.error, state.busy) == (0, "", "")
    assert await shown(tab) == [(session_id, "Research notes", "active")]
    assert stored(app_database) == [(session_id, "user_ada", "Research notes", "active")]


async def test_a_refused_rename_shows_the_reason_and_keeps_the_field_open(
    state_manager: StateManagerMemory, app_database: Engine
) -> None:
    tab = await on_sessions_page(state_manager, "user_ada")
    ((session_id, _, _),) = await shown(tab)
    await tab.send(SessionsState, "start_rename", session_id=session_id)
    await tab.send(SessionsState, "save_rename", form_data={"name": "   "})

    state = await tab.state(SessionsState)
    assert (state.error, state.editing_id) == ("Name must be 1 to 100 characters", session_id)
    assert stored(app_database) == [(session_id, "user_ada", "Welcome Session", "active")]
    assert await shown(tab) == [(session_id, "Welcome Session", "active")]


async def test_an_archived_session_refuses_a_rename_until_it_is_restored(
    state_manager: StateManagerMemory, app_database: Engine
) -> None:
    tab = await on_sessions_page(state_manager, "user_ada")
    ((session_id, _, _),) = await shown(tab)
    await tab.send(SessionsState, "change_status", session_id=session_id, status="archived")
    await tab.send(SessionsState, "start_rename", session_id=session_id)
    await tab.send(SessionsState, "save_rename", form_data={"name": "Too late"})
    assert await error(tab) == "Archived sessions cannot be edited; restore the session first"

    await tab.send(SessionsState, "change_status", session_id=session_id, status="active")
    await tab.send(SessionsState, "save_rename", form_data={"name": "Restored"})
    assert await error(tab) == ""
    assert stored(app_database) == [(session_id, "user_ada", "Restored", "active")]


async def test_a_status_change_is_stored_shown_and_counted(
    state_manager: StateManagerMemory, app_database: Engine
) -> None:
    tab = await on_sessions_page(state_manager, "user_ada")
    ((session_id, name, _),) = await shown(tab)
    await tab.send(SessionsState, "change_status", session_id=session_id, status="paused")

    assert stored(app_database) == [(session_id, "user_ada", name, "paused")]
    assert await shown(tab) == [(session_id, name, "paused")]
    assert (await tab.state(SessionsLink)).counts == {"active": 0, "paused": 1, "archived": 0, "total": 1}
    await tab.send(SessionsState, "change_status", session_id=session_id, status="deleted")
    assert await error(tab) == "status must be one of: active, paused, archived"
    assert stored(app_database)[0][3] == "paused"


async def test_a_confirmed_delete_removes_the_session_but_never_the_last_one(
    state_manager: StateManagerMemory, app_database: Engine
) -> None:
    tab = await on_sessions_page(state_manager, "user_ada")
    await tab.send(SessionsState, "create")
    (created, name, _), (welcome, _, _) = await shown(tab)
    await tab.send(SessionsState, "ask_delete", session_id=created)
    assert (await tab.state(SessionsState)).confirm_delete_name == name

    await tab.send(SessionsState, "confirm_delete")
    assert (await tab.state(SessionsState)).confirm_delete_id == 0
    assert [session_id for session_id, *_ in stored(app_database)] == [welcome]
    assert [session_id for session_id, *_ in await shown(tab)] == [welcome]
    await tab.send(SessionsState, "ask_delete", session_id=welcome)
    await tab.send(SessionsState, "confirm_delete")
    assert await error(tab) == "You cannot delete your last session"
    assert [session_id for session_id, *_ in stored(app_database)] == [welcome]


async def test_a_duplicate_is_a_paused_copy_owned_by_the_same_user(
    state_manager: StateManagerMemory, app_database: Engine
) -> None:
    tab = await on_sessions_page(state_manager, "user_ada")
    ((welcome, _, _),) = await shown(tab)
    await tab.send(SessionsState, "duplicate", session_id=welcome)

    copy = stored(app_database)[-1]
    assert copy[1:] == ("user_ada", "Welcome Session (Copy)", "paused")
    assert (await shown(tab))[0] == (copy[0], "Welcome Session (Copy)", "paused")


async def test_settings_are_checked_before_they_are_stored(
    state_manager: StateManagerMemory, app_database: Engine
) -> None:
    tab = await on_sessions_page(state_manager, "user_ada")
    ((session_id, _, _),) = await shown(tab)
    await tab.send(SessionsState, "change_setting", session_id=session_id, key="temperature", value=[1.5])
    assert await error(tab) == ""
    assert stored_settings(app_database, session_id)["temperature"] == 1.5
    assert (await tab.state(SessionsState)).sessions[0].temperature == 1.5

    await tab.send(SessionsState, "change_setting", session_id=session_id, key="temperature", value=[5])
    assert await error(tab) == "temperature must be between 0 and 2"
    await tab.send(SessionsState, "change_setting", session_id=session_id, key="max_tokens", value=[512])
    assert await error(tab) == "Balanced mode only allows changing model and temperature, not max_tokens"
    assert stored_settings(app_database, session_id)["temperature"] == 1.5
    assert stored_settings(app_database, session_id)["max_tokens"] == 2048


async def test_another_users_session_is_not_found_whatever_the_action(
    state_manager: StateManagerMemory, app_database: Engine
) -> None:
    ada, bob = await on_sessions_page(state_manager, "user_ada"), await on_sessions_page(state_manager, "user_bob")
    ((bobs, _, _),) = await shown(bob)
    before = stored(app_database)
    attempts: list[tuple[str, dict[str, Any]]] = [
        ("change_status", {"session_id": bobs, "status": "archived"}),
        ("change_setting", {"session_id": bobs, "key": "temperature", "value": [0.1]}),
        ("duplicate", {"session_id": bobs}),
        ("start_rename", {"session_id": bobs}),
        ("save_rename", {"form_data": {"name": "Mine now"}}),
        ("ask_delete", {"session_id": bobs}),
        ("confirm_delete", {}),
    ]
    errors = []
    for event, payload in attempts:
        await ada.send(SessionsState, "dismiss_error")
        await ada.send(SessionsState, event, **payload)
        errors.append(await error(ada))

    # Opening the rename field or the delete dialog only changes the tab; every write is refused.
    assert errors == [NOT_FOUND, NOT_FOUND, NOT_FOUND, "", NOT_FOUND, "", NOT_FOUND]
    assert stored(app_database) == before
    state = await ada.state(SessionsState)
    assert bobs not in [row.id for row in state.sessions] and state.confirm_delete_name == "this session"


async def test_a_tab_without_a_verified_user_changes_nothing(
    state_manager: StateManagerMemory, app_database: Engine
) -> None:
    ada = await on_sessions_page(state_manager, "user_ada")
    ((adas, _, _),) = await shown(ada)
    signed_out = await on_sessions_page(state_manager, "user_ada")
    await signed_out.send(AuthState, "sign_out")
    forged = Tab(state_manager)
    await forged.send(AuthState, "set_session_token", token=token_for("user_ada", key_index=1))
    before = stored(app_database)

    for tab in (Tab(state_manager), signed_out, forged):
        await tab.send(SessionsState, "create")
        await tab.send(SessionsState, "change_status", session_id=adas, status="archived")
        await tab.send(SessionsState, "start_rename", session_id=adas)
        await tab.send(SessionsState, "save_rename", form_data={"name": "Not yours"})
        await tab.send(SessionsState, "ask_delete", session_id=adas)
        await tab.send(SessionsState, "confirm_delete")
    assert stored(app_database) == before


async def test_a_tab_signed_in_anew_as_another_user_acts_for_that_user(
    state_manager: StateManagerMemory, app_database: Engine
) -> None:
    tab = await on_sessions_page(state_manager, "user_ada")
    await tab.send(AuthState, "set_session_token", token=token_for("user_bob", name="user_bob"))
    await tab.send(SessionsState, "ensure_loaded")
    await tab.send(SessionsState, "create")
    assert [owner for _, owner, _, _ in stored(app_database)] == ["user_ada", "user_bob", "user_bob"]
    assert len(await shown(tab)) == 2


async def test_the_filter_shows_one_status_and_refuses_an_unknown_one(state_manager: StateManagerMemory) -> None:
    tab = await on_sessions_page(state_manager, "user_ada")
    await tab.send(SessionsState, "create")
    (created, _, _), (welcome, _, _) = await shown(tab)
    await tab.send(SessionsState, "change_status", session_id=created, status="paused")

    await tab.send(SessionsState, "set_filter", status_filter="paused")
    assert [session_id for session_id, *_ in await shown(tab)] == [created]
    await tab.send(SessionsState, "set_filter", status_filter="deleted")
    state = await tab.state(SessionsState)
    assert state.error == "Unknown filter: choose one of all, active, paused, archived"
    assert state.status_filter == "paused"
    await tab.send(SessionsState, "set_filter", status_filter="active")
    assert [session_id for session_id, *_ in await shown(tab)] == [welcome]
