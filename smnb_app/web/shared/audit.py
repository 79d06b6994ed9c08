"""Writing the audit trail from the state layer: what happened, to whom, from which address and browser.

Writes happen in the background (except the sign-in, written with the user's row): the trail
must never slow a user's action down nor make it fail. Floods (refused tokens, events beyond
the rate limit) are throttled to one row per tab per minute. Old rows are purged by
`smnb_app.web.housekeeping`.
"""

from __future__ import annotations

import hashlib
import logging
import time

from reflex.state import BaseState

from smnb_app.config.settings import get_settings
from smnb_app.db.availability import DatabaseUnavailable
from smnb_app.net.client_address import client_address
from smnb_app.services.audit import AuditEvent, record_event
from smnb_app.system.throttle import Throttle
from smnb_app.web.shared.detached import run_detached
from smnb_app.web.shared.runtime import run_db

logger = logging.getLogger(__name__)

# A flood from many tabs at once is bounded too: at most this many rows a minute per process.
_FLOODS = Throttle(max_per_interval=120)


def request_client(state: BaseState) -> tuple[str, str]:
    """Where the tab's connection comes from.

    Args:
        state: Any state of the tab, inside an event.

    Returns:
        The client's IP address (read through `SMNB_TRUSTED_PROXIES` only) and its user agent.
    """
    headers = (state.router_data or {}).get("headers") or {}
    peer = state.router.session.client_ip
    address = client_address(peer, headers.get("x-forwarded-for"), get_settings().trusted_proxies)
    return address, str(headers.get("user-agent", ""))


def audit_event(
    state: BaseState, kind: str, *, user_id: int | None = None, sid: str | None = None, reason: str | None = None
) -> AuditEvent:
    """An audit event about the tab's connection.

    Args:
        state: Any state of the tab, inside an event.
        kind: One of the audit kinds (`sign_in`, `sign_out`, ...).
        user_id: The verified user, when known.
        sid: The identity provider's session id, when known.
        reason: Why (e.g. the verifier's reason code).

    Returns:
        The event, with the client's address and user agent.
    """
    ip, user_agent = request_client(state)
    return AuditEvent(kind=kind, user_id=user_id, sid=sid, reason=reason, ip=ip, user_agent=user_agent)


def tab_tag(client_token: str) -> str:
    """A tab's name in logs and flood keys: a digest of its client token, which must not be logged itself.

    Reflex keeps a tab's state under its client token, so the token is as good as the tab's
    session; the digest lets an operator follow one tab across instances' logs.

    Args:
        client_token: The tab's Reflex client token.

    Returns:
        The first 12 hex digits of its SHA-256.
    """
    return hashlib.sha256(client_token.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def client_label(state: BaseState) -> str:
    """The `tab_tag` of the tab a state belongs to.

    Args:
        state: Any state of the tab.

    Returns:
        The tag.
    """
    return tab_tag(state.router.session.client_token)


def first_in_a_while(state: BaseState, kind: str, *, key: str | None = None) -> bool:
    """Whether a flood event (and its log line) is the first of its kind this minute.

    Args:
        state: Any state of the tab.
        kind: `token_rejected`, `rate_limited` or `session_expired`.
        key: Whose minute it is; the tab's when None.

    Returns:
        True at most once a minute per kind and key, and within a bound on all keys together.
    """
    return _FLOODS.allow(f"{kind}|{key or client_label(state)}", time.monotonic())


def record_later(event: AuditEvent) -> None:
    """Write an event in the background; a failure is logged, never raised.

    Args:
        event: The event.
    """
    run_detached(_write(event))


async def _write(event: AuditEvent) -> None:
    try:
        await run_db(lambda db: record_event(db=db, event=event))
    except Exception as exc:
        # An outage is one line (the database says why); anything else gets its traceback.
        logger.warning(
            "could not write a %s event to the audit trail: %s",
            event.kind,
            exc,
            exc_info=not isinstance(exc, DatabaseUnavailable),
        )
