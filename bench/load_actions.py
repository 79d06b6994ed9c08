"""What a load tab of the app does: get a dev token, open /sessions signed in, act as a busy user."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from bench.load_client import LoadTab, set_up, state_name

AUTH = state_name("smnb_app.web.signin.state", "auth_state")
SESSIONS = state_name("smnb_app.web.sessions.state", "sessions_state")
DEV_SIGN_IN = "/dev-auth/sign-in"
FILTERS = ("active", "all")


async def dev_token(http: httpx.AsyncClient, origin: str, label: str) -> str:
    """Sign a new user in with the dev provider, as the sign-in page does; their session token.

    Args:
        http: A client of the app.
        origin: The app's origin (the provider answers its own pages only).
        label: Makes the user's email unique.

    Returns:
        The session JWT.
    """
    response = await http.post(
        DEV_SIGN_IN, json={"email": f"{label}@example.com", "name": f"Load {label}"}, headers={"Origin": origin}
    )
    response.raise_for_status()
    return response.json()["token"]


async def open_signed_in(url: str, token: str, source: str | None = None) -> LoadTab:
    """A tab on /sessions: connect and hydrate, hand over the token, load the list.

    Args:
        url: The app.
        token: A session JWT of the tab's user.
        source: The loopback address to connect from (the system's choice when None).

    Returns:
        The tab, showing the user's sessions.
    """

    async def sign_in_and_load(tab: LoadTab) -> None:
        await tab.call(f"{AUTH}.set_session_token", {"token": token}, lambda t: t.var(AUTH, "is_authenticated") is True)
        await tab.call(f"{SESSIONS}.ensure_loaded", {}, lambda t: bool(t.var(SESSIONS, "loaded")))
        if not tab.var(SESSIONS, "sessions"):
            raise RuntimeError("the signed-in tab shows no sessions")

    return await set_up(url, "/sessions", sign_in_and_load, source)


async def busy_user(tab: LoadTab, rounds: int, samples: dict[str, list[float]]) -> None:
    """`rounds` rounds of a cheap event, a filter change and a rename, each awaited; ms per kind."""
    session_id = tab.var(SESSIONS, "sessions")[0]["id"]
    for round_ in range(rounds):
        seconds = await tab.call(
            f"{SESSIONS}.start_rename",
            {"session_id": session_id},
            lambda t: t.var(SESSIONS, "editing_id") == session_id,
        )
        samples["cheap"].append(seconds * 1000)
        wanted = FILTERS[round_ % len(FILTERS)]
        seconds = await tab.call(
            f"{SESSIONS}.set_filter",
            {"status_filter": wanted},
            lambda t, wanted=wanted: t.var(SESSIONS, "status_filter") == wanted and t.var(SESSIONS, "loading") is False,
        )
        samples["filter"].append(seconds * 1000)
        name = f"Renamed {uuid.uuid4().hex[:8]}"
        seconds = await tab.call(
            f"{SESSIONS}.save_rename",
            {"form_data": {"name": name}},
            lambda t, name=name: any(row["name"] == name for row in t.var(SESSIONS, "sessions") or ()),
        )
        samples["rename"].append(seconds * 1000)


async def act(tabs: list[LoadTab], rounds: int) -> tuple[dict[str, list[float]], list[BaseException]]:
    """Every tab a busy user at once; the round trips by kind of event (ms), and the actors that failed."""
    samples: dict[str, list[float]] = {"cheap": [], "filter": [], "rename": []}
    outcomes = await asyncio.gather(*(busy_user(tab, rounds, samples) for tab in tabs), return_exceptions=True)
    return samples, [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
