"""True addresses through the production shape's nginx: what a client writes about itself is not believed."""

from __future__ import annotations

from contextlib import closing
from typing import Any

import httpx
import psycopg2

from smnb_app.providers.dev.routes import NOT_LOCAL_HOST
from smnb_app.web.browser_events import browser_events
from tests.harness.helpers import SECRETS, eventually, run_beside_playwright, unique_email
from tests.harness.production import ShapeUnderTest
from tests.support.raw_socket import NAMESPACE, RawSocket, event_frame

EVENTS = {name.rsplit(".", 1)[1]: name for name in browser_events()}
FORGED = {"X-Forwarded-For": "203.0.113.9", "X-Real-IP": "203.0.113.9", "Forwarded": "for=203.0.113.9"}


def audit_rows(shape: ShapeUnderTest, email: str) -> list[tuple[Any, ...]]:
    with closing(psycopg2.connect(shape.database_url, connect_timeout=5)) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT e.kind, e.ip FROM auth_events e JOIN users u ON u.id = e.user_id WHERE u.email = %s ORDER BY e.id",
            (email,),
        )
        return cursor.fetchall()


def test_a_forged_forwarded_for_is_neither_believed_nor_recorded(production_shape: ShapeUnderTest):
    shape, email = production_shape, unique_email("forger")
    response = httpx.post(
        f"{shape.url}/dev-auth/sign-in",
        json={"email": email, "name": "Forger"},
        headers={"Origin": shape.url, **FORGED},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    token = response.json()["token"]
    SECRETS.append(token)  # the log check fails the test if any line holds it

    async def sign_in() -> str:
        tab = RawSocket(shape.url, headers=FORGED)
        SECRETS.append(str(tab.token))
        await tab.open()
        try:
            boot = {"name": EVENTS["hydrate_and_load"], "payload": {}, "router_data": {"pathname": "/", "asPath": "/"}}
            assert (await tab.connect({"event": boot})).startswith(f"40{NAMESPACE}")
            await tab.send(event_frame(EVENTS["set_session_token"], {"token": token}))
            return await tab.receive_packet(f"42{NAMESPACE}", timeout_s=10)
        finally:
            await tab.close()

    run_beside_playwright(sign_in())
    eventually(lambda: audit_rows(shape, email), [("sign_in", "127.0.0.1")])


def test_a_relay_in_front_of_nginx_that_names_a_public_host_gets_no_sign_in(production_shape: ShapeUnderTest):
    """What a TCP relay (ssh -R, socat) in front of nginx looks like: a local peer, a public Host."""
    shape, email = production_shape, unique_email("relayed")
    response = httpx.post(
        f"{shape.url}/dev-auth/sign-in",
        json={"email": email, "name": "Relayed"},
        headers={"Origin": shape.url, "Host": "smnb.example.com", "X-Forwarded-For": "127.0.0.1"},
        timeout=10,
    )
    assert response.status_code == 403 and response.json() == {"error": NOT_LOCAL_HOST}
    assert "token" not in response.text
