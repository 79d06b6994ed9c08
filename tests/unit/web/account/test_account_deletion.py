"""Deleting an account in Clerk mode: tombstone, Clerk, then the data here; each failure told and finished later.

Clerk's Backend API is a real local HTTP server; the database is a real one whose outage is
switched on and off, raising what `run_db` raises when the database does not answer.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from smnb_app.db.availability import DatabaseUnavailable
from smnb_app.providers.clerk.api import ClerkBackendApi
from smnb_app.services.identity.accounts import (
    PendingDeletions,
    begin_account_deletion,
    pending_account_deletions,
)
from smnb_app.services.identity.revocations import is_revoked
from smnb_app.services.identity.sign_ins import sign_in
from smnb_app.services.identity.users import identity_from_claims
from smnb_app.web import housekeeping
from smnb_app.web.account import deletion as account_deletion
from smnb_app.web.account.deletion import (
    DELETED,
    DELETED_AT_PROVIDER_ONLY,
    DELETED_HERE_ONLY,
    DELETION_UNDERWAY,
    NO_SECRET_KEY,
    DeletionFinisher,
    DeletionOutcome,
    delete_clerk_account,
    finish_pending_deletions,
)
from smnb_app.web.shared.failures import UNAVAILABLE
from tests.support.auth import ISSUER
from tests.support.clerk_backend import ClerkBackendServer, Reply, clerk_user
from tests.support.database import make_user, snapshot

USER_ID = "user_2leaving"
LEAVING = f"{ISSUER}|{USER_ID}"
DELETE_PATH = f"/v1/users/{USER_ID}"
# One attempt and two retries, as `api_for` configures.
CLERK_DOWN = [Reply(503)] * 3


class Database:
    """Runs service calls on a real engine as `run_db` does; while `down`, each call is an outage.

    `down_after` takes the database away after that many calls succeeded.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.down = False
        self.down_after: int | None = None
        self.calls = 0

    async def __call__(self, action: Callable[[Session], Any]) -> Any:
        if self.down_after is not None and self.calls >= self.down_after:
            self.down = True
        if self.down:
            raise DatabaseUnavailable("connection refused")
        self.calls += 1
        with Session(self.engine) as session:
            return action(session)


@pytest.fixture
def clerk() -> Iterator[ClerkBackendServer]:
    with ClerkBackendServer() as server:
        server.users[USER_ID] = clerk_user(USER_ID, first="Leaving", last=None, emails=["leaving@example.com"])
        server.users["user_2staying"] = clerk_user("user_2staying", first="Staying", last=None, emails=[])
        yield server


@pytest.fixture
def database(engine: Engine) -> Database:
    return Database(engine)


def api_for(server: ClerkBackendServer) -> ClerkBackendApi:
    return ClerkBackendApi(server.secret_key, api_url=server.base_url, backoff_s=(0.01, 0.01), timeout_s=2.0)


async def delete(clerk: ClerkBackendServer, database: Database) -> DeletionOutcome:
    return await delete_clerk_account(
        token_identifier=LEAVING, subject=USER_ID, sid="sess_acting", api=api_for(clerk), run=database
    )


async def finish_later(clerk: ClerkBackendServer, database: Database) -> int:
    """What the background retry and the housekeeping run: a fresh client, state only in the database."""
    return await finish_pending_deletions(api=api_for(clerk), run=database, issuer=ISSUER)


def user_ids(engine: Engine) -> list[int]:
    return [row[0] for row in snapshot(engine)[0]]


def refused(db: Session) -> bool:
    """Whether a new token of the leaving user, of any session, is refused, and their sign-in writes nothing."""
    identity = identity_from_claims(issuer=ISSUER, subject=USER_ID, claims={"name": "Leaving"})
    return (
        is_revoked(db=db, sid="sess_new", token_identifier=LEAVING)
        and sign_in(db=db, identity=identity, sid="sess_new") is None
    )


def nothing_pending(db: Session) -> bool:
    return pending_account_deletions(db=db) == PendingDeletions(at_provider=[], here=[])


async def test_when_clerk_and_the_database_answer_the_account_is_gone_at_both_and_nothing_is_pending(
    clerk: ClerkBackendServer, database: Database, engine: Engine, db: Session
) -> None:
    make_user(db, USER_ID)
    staying = make_user(db, "user_2staying")

    outcome = await delete(clerk, database)

    assert outcome == DeletionOutcome(message=DELETED, finished=True)
    assert USER_ID not in clerk.users and "user_2staying" in clerk.users
    assert user_ids(engine) == [staying]
    assert refused(db) and nothing_pending(db)
    assert is_revoked(db=db, sid="sess_acting", token_identifier=f"{ISSUER}|user_2staying")


async def test_when_clerk_fails_the_data_here_is_deleted_the_user_is_told_and_clerk_is_asked_again_until_it_confirms(
    clerk: ClerkBackendServer, database: Database, engine: Engine, db: Session
) -> None:
    make_user(db, USER_ID)
    staying = make_user(db, "user_2staying")
    clerk.script("DELETE", DELETE_PATH, *CLERK_DOWN)

    outcome = await delete(clerk, database)

    assert outcome == DeletionOutcome(message=DELETED_HERE_ONLY, finished=False)
    assert USER_ID in clerk.users and clerk.hits(DELETE_PATH) == 3
    assert user_ids(engine) == [staying] and refused(db)
    clerk.script("DELETE", DELETE_PATH, *CLERK_DOWN)
    assert await finish_later(clerk, database) == 1 and USER_ID in clerk.users
    assert await finish_later(clerk, database) == 0
    assert USER_ID not in clerk.users and user_ids(engine) == [staying]
    assert refused(db) and nothing_pending(db)


async def test_when_the_database_fails_after_clerk_the_user_is_told_the_rest_follows_and_it_is_deleted_later(
    clerk: ClerkBackendServer, database: Database, engine: Engine, db: Session
) -> None:
    leaving = make_user(db, USER_ID)
    staying = make_user(db, "user_2staying")
    database.down_after = 1

    outcome = await delete(clerk, database)

    assert outcome == DeletionOutcome(message=DELETED_AT_PROVIDER_ONLY, finished=False)
    assert USER_ID not in clerk.users
    # The tombstone was committed before Clerk was asked: no token of theirs counts meanwhile.
    assert user_ids(engine) == [leaving, staying] and refused(db)
    with pytest.raises(DatabaseUnavailable):
        await finish_later(clerk, database)
    database.down, database.down_after = False, None
    assert await finish_later(clerk, database) == 0
    assert user_ids(engine) == [staying] and refused(db) and nothing_pending(db)


async def test_when_clerk_and_the_database_both_fail_the_account_is_locked_and_both_are_finished_later(
    clerk: ClerkBackendServer, database: Database, engine: Engine, db: Session
) -> None:
    leaving = make_user(db, USER_ID)
    staying = make_user(db, "user_2staying")
    database.down_after = 1
    clerk.script("DELETE", DELETE_PATH, *CLERK_DOWN)

    outcome = await delete(clerk, database)

    assert outcome == DeletionOutcome(message=DELETION_UNDERWAY, finished=False)
    assert USER_ID in clerk.users and user_ids(engine) == [leaving, staying] and refused(db)
    database.down, database.down_after = False, None
    assert await finish_later(clerk, database) == 0
    assert USER_ID not in clerk.users and user_ids(engine) == [staying] and nothing_pending(db)


async def test_when_the_deletion_cannot_be_recorded_nothing_changes_and_clerk_is_not_asked(
    clerk: ClerkBackendServer, database: Database, engine: Engine, db: Session
) -> None:
    make_user(db, USER_ID)
    before = snapshot(engine)
    database.down = True

    outcome = await delete(clerk, database)

    assert outcome == DeletionOutcome(error=UNAVAILABLE)
    assert clerk.calls == [] and snapshot(engine) == before
    assert not is_revoked(db=db, sid="sess_acting", token_identifier=LEAVING)


async def test_without_a_secret_key_nothing_changes(database: Database, engine: Engine, db: Session) -> None:
    make_user(db, USER_ID)
    before = snapshot(engine)
    outcome = await delete_clerk_account(
        token_identifier=LEAVING, subject=USER_ID, sid="sess_acting", api=None, run=database
    )
    assert outcome == DeletionOutcome(error=NO_SECRET_KEY)
    assert database.calls == 0 and snapshot(engine) == before


async def test_a_pending_deletion_of_another_issuers_user_is_never_sent_to_clerk(
    clerk: ClerkBackendServer, database: Database, db: Session
) -> None:
    make_user(db, USER_ID)
    clerk.script("DELETE", DELETE_PATH, *CLERK_DOWN)
    await delete(clerk, database)
    other_issuer = await finish_pending_deletions(api=api_for(clerk), run=database, issuer="https://elsewhere.test")
    assert other_issuer == 1 and clerk.hits(DELETE_PATH) == 3 and USER_ID in clerk.users


def test_every_message_is_one_sentence() -> None:
    for message in (DELETED, DELETED_HERE_ONLY, DELETED_AT_PROVIDER_ONLY, DELETION_UNDERWAY):
        assert re.fullmatch(r"[A-Z][^.!?]*\.", message), message


async def test_the_background_retry_backs_off_until_nothing_is_pending(
    clerk: ClerkBackendServer, database: Database, engine: Engine, db: Session
) -> None:
    make_user(db, USER_ID)
    clerk.script("DELETE", DELETE_PATH, *CLERK_DOWN, *CLERK_DOWN, *CLERK_DOWN)
    await delete(clerk, database)
    tries: list[int] = []

    async def finish() -> int:
        tries.append(left := await finish_later(clerk, database))
        return left

    await asyncio.wait_for(DeletionFinisher(finish, pauses_s=(0.01, 0.02, 0.04, 0.08)).start(), timeout=10)

    assert tries == [1, 1, 0]
    assert USER_ID not in clerk.users and nothing_pending(db)


async def test_a_new_deletion_restarts_the_retry_from_its_shortest_pause() -> None:
    calls: list[float] = []

    async def finish() -> int:
        calls.append(asyncio.get_running_loop().time())
        return 1

    finisher = DeletionFinisher(finish, pauses_s=(0.01, 30.0))
    first = finisher.start()
    await asyncio.sleep(0.1)
    second = finisher.start()
    await asyncio.sleep(0.1)
    assert first.cancelled() and not second.done() and len(calls) == 2
    second.cancel()


async def test_housekeeping_at_start_up_finishes_a_deletion_the_stopped_process_left_pending(
    clerk: ClerkBackendServer, app_database: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Session(app_database) as db:
        make_user(db, USER_ID)
        staying = make_user(db, "user_2staying")
        # All a process did before it stopped: the tombstone.
        begin_account_deletion(db=db, token_identifier=LEAVING, sids=["sess_acting"])
    monkeypatch.setattr(account_deletion, "get_clerk_api", lambda: api_for(clerk))
    monkeypatch.setattr(account_deletion, "get_settings", lambda: SimpleNamespace(issuer=ISSUER))

    await housekeeping.finish_deletions_once()

    assert USER_ID not in clerk.users and user_ids(app_database) == [staying]
    with Session(app_database) as db:
        assert refused(db) and nothing_pending(db)


async def test_housekeeping_during_a_database_outage_logs_one_line_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    async def unavailable(action: Callable[[Session], Any], **_: Any) -> Any:
        raise DatabaseUnavailable("connection refused")

    monkeypatch.setattr(account_deletion, "run_db", unavailable)
    monkeypatch.setattr(account_deletion, "get_clerk_api", lambda: None)
    monkeypatch.setattr(account_deletion, "get_settings", lambda: SimpleNamespace(issuer=ISSUER))
    with caplog.at_level(logging.INFO, logger="smnb_app"):
        await housekeeping.finish_deletions_once()
    (record,) = caplog.records
    assert record.levelname == "WARNING" and not record.exc_info and "connection refused" in record.getMessage()
