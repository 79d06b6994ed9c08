"""AuthState in process: the tokens a tab's bridge sends sign it in and out, as the server decides."""

from __future__ import annotations

import asyncio
import time

from reflex.istate.manager.memory import StateManagerMemory
from sqlalchemy import Engine, text
from sqlmodel import Session

from smnb_app.services.identity.revocations import revoke
from smnb_app.web.sessions.state import SessionsState
from smnb_app.web.signin.state import AuthState
from tests.support.tabs import ISSUER, Tab, background_work_done, signed_in, token_for

REFUSED = "Your sign-in could not be verified ({reason}). Please sign in again."
ENDED = "This session was ended. Sign in again."


def rows(engine: Engine, sql: str, **params: object) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql), params)]


async def auth_after(manager: StateManagerMemory, token: str) -> AuthState:
    """The AuthState of a fresh tab on /sessions that sent `token`."""
    tab = Tab(manager)
    await tab.send(AuthState, "set_session_token", token=token)
    return await tab.state(AuthState)


async def test_a_valid_token_signs_the_tab_in_as_its_user(
    state_manager: StateManagerMemory, app_database: Engine
) -> None:
    tab = Tab(state_manager, path="/dashboard")
    token = token_for("user_ada", sid="sess_ada", name="Ada Lovelace", email="ada@example.com")
    sent = await tab.send(AuthState, "set_session_token", token=token)

    auth = await tab.state(AuthState)
    assert (auth.is_authenticated, auth.is_loading, auth.auth_error) == (True, False, "")
    assert auth.user is not None and (auth.user.name, auth.user.email) == ("Ada Lovelace", "ada@example.com")
    assert auth.clerk_user is not None and auth.clerk_user.id == "user_ada"
    assert rows(app_database, "SELECT token_identifier, name FROM users") == [(f"{ISSUER}|user_ada", "Ada Lovelace")]
    assert rows(app_database, "SELECT kind, sid FROM auth_events") == [("sign_in", "sess_ada")]
    # The server, not the browser, signs the tab out when no fresh token follows this one.
    assert sent.chained == ["expire_session"] and sent.redirects == []


async def test_signing_in_on_the_sign_in_page_goes_on_to_the_page_asked_for(
    state_manager: StateManagerMemory,
) -> None:
    tab = Tab(state_manager, path="/sign-in", query={"next": "/sessions"})
    sent = await tab.send(AuthState, "set_session_token", token=token_for("user_ada"))
    assert sent.redirects == ["/sessions"]


async def test_an_expired_token_is_refused_with_its_reason_and_records_no_user(
    state_manager: StateManagerMemory, app_database: Engine
) -> None:
    auth = await auth_after(state_manager, token_for("user_ada", iat=int(time.time()) - 120, lifetime_s=60))
    assert (auth.is_authenticated, auth.user) == (False, None)
    assert auth.auth_error == REFUSED.format(reason="token-expired")
    assert rows(app_database, "SELECT id FROM users") == []


async def test_a_token_of_another_issuer_or_for_another_site_is_refused(state_manager: StateManagerMemory) -> None:
    other_issuer = await auth_after(state_manager, token_for("user_ada", issuer="https://clerk.evil.test"))
    other_site = await auth_after(state_manager, token_for("user_ada", azp="https://evil.example"))
    assert other_issuer.auth_error == REFUSED.format(reason="token-invalid-issuer")
    assert other_site.auth_error == REFUSED.format(reason="token-invalid-authorized-parties")
    assert not (other_issuer.is_authenticated or other_site.is_authenticated)


async def test_a_forged_token_signs_a_signed_in_tab_out(state_manager: StateManagerMemory) -> None:
    tab = await signed_in(state_manager, "user_ada")
    sent = await tab.send(AuthState, "set_session_token", token=token_for("user_ada", key_index=1))

    auth = await tab.state(AuthState)
    assert (auth.is_authenticated, auth.user, auth.clerk_user) == (False, None, None)
    assert auth.auth_error == REFUSED.format(reason="token-invalid-signature")
    assert sent.chained == []


async def test_sign_out_forgets_who_the_tab_was_and_records_it(
    state_manager: StateManagerMemory, app_database: Engine
) -> None:
    tab = await signed_in(state_manager, "user_ada", sid="sess_ada")
    sent = await tab.send(AuthState, "sign_out")
    await background_work_done()

    auth = await tab.state(AuthState)
    assert (auth.is_authenticated, auth.user, auth.clerk_user) == (False, None, None)
    assert sent.redirects == ["/sign-in"]
    assert rows(app_database, "SELECT kind, sid FROM auth_events ORDER BY id") == [
        ("sign_in", "sess_ada"),
        ("sign_out", "sess_ada"),
    ]


async def test_the_bridge_reporting_no_token_sends_a_protected_page_to_sign_in(
    state_manager: StateManagerMemory,
) -> None:
    tab = await signed_in(state_manager, "user_ada")
    sent = await tab.send(AuthState, "set_session_token", token="")
    assert not (await tab.state(AuthState)).is_authenticated
    assert sent.redirects == ["/sign-in?next=/sessions"]


async def test_a_token_of_a_revoked_session_is_refused_although_it_verifies(
    state_manager: StateManagerMemory, app_database: Engine
) -> None:
    with Session(app_database) as db:
        revoke(db=db, sids=["sess_ended"], reason="session.revoked")
    auth = await auth_after(state_manager, token_for("user_ada", sid="sess_ended"))
    assert (auth.is_authenticated, auth.auth_error) == (False, ENDED)
    assert rows(app_database, "SELECT kind FROM auth_events") == []


async def test_a_signed_in_tab_is_signed_out_by_the_next_token_of_its_ended_session(
    state_manager: StateManagerMemory, app_database: Engine
) -> None:
    tab = await signed_in(state_manager, "user_ada", sid="sess_ada")
    with Session(app_database) as db:
        revoke(db=db, sids=["sess_ada"], reason="session.revoked")
    await tab.send(AuthState, "set_session_token", token=token_for("user_ada", sid="sess_ada", lifetime_s=120))

    auth = await tab.state(AuthState)
    assert (auth.is_authenticated, auth.user, auth.auth_error) == (False, None, ENDED)


async def test_a_deleted_users_tokens_are_refused(state_manager: StateManagerMemory, app_database: Engine) -> None:
    with Session(app_database) as db:
        revoke(db=db, token_identifiers=[f"{ISSUER}|user_gone"], reason="account_deleted")
    auth = await auth_after(state_manager, token_for("user_gone"))
    assert (auth.is_authenticated, auth.auth_error) == (False, ENDED)
    assert (await auth_after(state_manager, token_for("user_staying"))).is_authenticated


async def test_a_token_of_another_user_switches_the_tab_and_drops_what_it_showed(
    state_manager: StateManagerMemory, app_database: Engine
) -> None:
    tab = await signed_in(state_manager, "user_ada", name="Ada")
    await tab.send(SessionsState, "ensure_loaded")
    adas = [row.id for row in (await tab.state(SessionsState)).sessions]

    await tab.send(AuthState, "set_session_token", token=token_for("user_bob", name="Bob"))
    auth, listing = await tab.state(AuthState), await tab.state(SessionsState)
    assert auth.user is not None and auth.user.name == "Bob"
    assert (listing.loaded, listing.sessions) == (False, [])
    await tab.send(SessionsState, "ensure_loaded")
    bobs = [row.id for row in (await tab.state(SessionsState)).sessions]
    owners = rows(app_database, "SELECT s.id, u.name FROM sessions s JOIN users u ON u.id = s.user_id ORDER BY s.id")
    assert [(adas[0], "Ada"), (bobs[0], "Bob")] == owners


async def test_a_tab_whose_token_expired_without_a_fresh_one_is_no_longer_signed_in(
    state_manager: StateManagerMemory,
) -> None:
    issued = int(time.time())
    tab = await signed_in(state_manager, "user_ada", iat=issued, lifetime_s=2)
    assert (await tab.state(AuthState)).is_authenticated
    await asyncio.sleep(issued + 2 - time.time() + 0.05)

    sent = await tab.send(AuthState, "check_access")
    assert not (await tab.state(AuthState)).is_authenticated
    assert sent.redirects == ["/sign-in?next=/sessions"]


async def test_the_dev_providers_refusal_is_shown_within_bounds(state_manager: StateManagerMemory) -> None:
    tab = Tab(state_manager, path="/sign-in")
    await tab.send(AuthState, "dev_sign_in_failed", error="Too many sign-ins. " + "x" * 1000)
    shown = (await tab.state(AuthState)).auth_error
    assert shown.startswith("Too many sign-ins. ") and len(shown) == 200
    await tab.send(AuthState, "dev_sign_in_failed", error="")
    assert (await tab.state(AuthState)).auth_error == "Sign-in failed. Try again."
