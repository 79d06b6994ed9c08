"""One hostile address against ten honest tabs: does the app stay usable, and does it stay small?

Run with `.venv/bin/python -m bench.abuse` (`--sockets N`, `--seconds S`, `--renames R`). It
serves the app in production mode (one worker, SQLite, the dev provider, the default budgets)
in a temporary directory. Ten honest tabs, each a different user on /sessions, connect from
127.0.0.2 and rename a session twice a second, one rename at a time; their round trips are
measured alone, then again while one attacker at 127.0.0.3 opens `--sockets` sockets with fresh
tab tokens and, on every socket it gets, sends as fast as it can: hydrate events (the costliest a
tab may send, and page loads of /sessions once the app refuses a second hydration), the crafted
39 KB page error that held a worker for 30 s, 1 MB frames and malformed packets (each of the
last two costs it that socket; it opens another).

In the same run, bare Reflex (`bench/floor_app`) gets the same honest load (its cheapest event)
and the same flood of well-formed events and sockets: it has no budgets to stop them. The
crafted and oversized frames are not sent to it: the first would hold its worker for 30 s.

Last line: `abuse honest_p95_ms= honest_attacked_p95_ms= ratio= attacker_sockets_accepted=
attacker_events_accepted= rss_mib=` (targets: ratio <= 2, sockets accepted no more than
SMNB_MAX_SOCKETS_PER_ADDRESS, memory bounded), after a `floor:` line with bare Reflex's figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import httpx

from bench.floor import start_floor
from bench.load_actions import DEV_SIGN_IN, SESSIONS, open_signed_in
from bench.load_client import ROOT_STATE, LoadTab, set_up, state_name
from bench.procstat import group_usage
from tests.harness.app_server import AppServer, start_app
from tests.support.raw_socket import NAMESPACE, RawSocket, event_frame

HONEST, ATTACKER = "127.0.0.2", "127.0.0.3"
HONEST_TABS = 10
# Two events each (open the field, save): ten tabs stay within the address's 60 events a second.
RENAMES_PER_S = 2.0
GATE = state_name("floor_app.floor_app", "gate")
CRAFTED_INFO = ("TypeError: can't access property \"" + '", ') * 1000
FRONTEND_ERROR = f"{ROOT_STATE}.reflex___state____frontend_event_exception_state.handle_frontend_exception"
HYDRATE = f"{ROOT_STATE}.hydrate"
ON_LOAD = f"{ROOT_STATE}.reflex___state____on_load_internal_state.on_load_internal"
SESSIONS_ROUTE = {"pathname": "/sessions", "asPath": "/sessions"}
MIB = 1024 * 1024
# On a machine of two cores or more, the attacker gets a core of its own and the servers, the
# honest tabs and this process the others: what is measured is the server's defence, not the
# attacker's own processes fighting the server for its core.
_CPUS = sorted(os.sched_getaffinity(0))
ATTACKER_CPUS = set(_CPUS[-1:]) if len(_CPUS) > 1 else set()
SERVER_CPUS = set(_CPUS[:-1]) if len(_CPUS) > 1 else set()


def arguments() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.abuse", description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--sockets", type=int, default=1000, help="sockets the attacker tries to open (1000)")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long the attack lasts at least (10)")
    parser.add_argument("--renames", type=int, default=40, help="renames per honest tab and phase (40)")
    return parser.parse_args()


@dataclass
class Attack:
    """What the attacker got."""

    sockets_accepted: int = 0
    sockets_refused: int = 0
    events_accepted: int = 0
    frames_sent: int = 0
    open_at_peak: int = 0
    open_now: int = 0
    stop: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    def figures(self) -> dict[str, int]:
        """The counts, to hand from the attacker's process to the bench's."""
        return {
            name: getattr(self, name)
            for name in ("sockets_accepted", "sockets_refused", "events_accepted", "frames_sent", "open_at_peak")
        }


@dataclass
class Run:
    """One server's figures."""

    honest_ms: list[float]
    attacked_ms: list[float]
    attack: Attack
    rss_before_mib: float
    rss_peak_mib: float
    cpu_pct: float

    @property
    def ratio(self) -> float:
        return p95(self.attacked_ms) / max(p95(self.honest_ms), 0.001)


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) > 1 else (samples or [0.0])[0]


async def paced(count: int, act: Callable[[], Awaitable[float]]) -> list[float]:
    """`count` actions, one at a time, at most RENAMES_PER_S a second; each one's ms."""
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        samples.append(await act() * 1000)
        await asyncio.sleep(max(0.0, 1 / RENAMES_PER_S - (time.perf_counter() - started)))
    return samples


async def attacker_socket(url: str, frames: Callable[[int], str], attack: Attack) -> None:
    """One attacker socket after another until the attack stops: connect, flood, reconnect."""
    while not attack.stop.is_set():
        tab = RawSocket(url, source=ATTACKER)
        try:
            await tab.open()
            answer = await tab.connect({"event": {"name": HYDRATE, "payload": {}, "router_data": {"pathname": "/"}}})
        except (aiohttp.ClientError, ConnectionError, TimeoutError):
            answer = ""
        if not answer.startswith(f"40{NAMESPACE}"):
            attack.sockets_refused += 1
            await tab.close()
            await asyncio.sleep(1.0)
            continue
        attack.sockets_accepted += 1
        attack.open_now += 1
        attack.open_at_peak = max(attack.open_at_peak, attack.open_now)
        held = [True]
        try:
            await asyncio.gather(_flood(tab, frames, attack), _count_answers(tab, attack, held))
        finally:
            if held[0]:
                attack.open_now -= 1
            with contextlib.suppress(Exception):
                await asyncio.wait_for(tab.close(), 2)


async def _flood(tab: RawSocket, frames: Callable[[int], str], attack: Attack) -> None:
    index = 0
    while not attack.stop.is_set() and tab.ws is not None and not tab.ws.closed:
        try:
            await tab.send(frames(index))
        except (ConnectionError, aiohttp.ClientError):
            return
        attack.frames_sent += 1
        index += 1
        await asyncio.sleep(0)


async def _count_answers(tab: RawSocket, attack: Attack, held: list[bool]) -> None:
    """Count the answers to the attacker's events; the socket stops counting as held once the
    server disconnects it (its Socket.IO namespace or its websocket), as the server counts it."""
    while not attack.stop.is_set():
        try:
            frame = await tab.receive(timeout_s=1.0)
        except TimeoutError:
            continue
        except (ConnectionError, aiohttp.ClientError):
            frame = None
        if frame is None or frame.startswith(f"41{NAMESPACE}"):
            held[0] = False
            attack.open_now -= 1
            if tab.ws is not None:
                await tab.ws.close()
            return
        if frame.startswith(f'42{NAMESPACE},["event"'):
            attack.events_accepted += 1


def run_attacker(url: str, kind: str, sockets: int, ready: Any, stop: Any, results: Any) -> None:
    """The attacker's process (its own event loop and CPU time): attack until `stop`, then report.

    Args:
        url: The server.
        kind: "app" (every kind of frame) or "floor" (well-formed ones).
        sockets: How many sockets to keep trying to hold.
        ready: Set once every socket has had its first try.
        stop: Set by the bench when the attack ends.
        results: Receives `Attack.figures()`.
    """
    frames = app_frames if kind == "app" else floor_frames
    if ATTACKER_CPUS:
        os.sched_setaffinity(0, ATTACKER_CPUS)

    async def attack() -> dict[str, int]:
        state = Attack()
        tasks = [asyncio.create_task(attacker_socket(url, frames, state)) for _ in range(sockets)]
        while state.sockets_accepted + state.sockets_refused < sockets:
            await asyncio.sleep(0.1)
        ready.set()
        while not stop.is_set():
            await asyncio.sleep(0.1)
        state.stop.set()
        # A socket the server no longer reads holds its sender forever: cut every one off.
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return state.figures()

    results.put(asyncio.run(attack()))


def app_frames(index: int) -> str:
    """The attacker's frames against the app: the costliest events it may send, now and then worse.

    A hydration (a whole state tree) is taken once per connection, so most frames load the
    sessions page instead (its on_load events), and every tenth tries another hydration.
    """
    if index % 500 == 499:
        return event_frame(HYDRATE, {"pad": "A" * MIB})
    if index % 200 == 199:
        return f"42{NAMESPACE},[" + "[" * 2000
    if index % 50 == 49:
        return event_frame(FRONTEND_ERROR, {"info": CRAFTED_INFO, "component_stack": ""})
    if index % 10 == 9:
        return event_frame(HYDRATE, {})
    return event_frame(ON_LOAD, {}, SESSIONS_ROUTE)


def floor_frames(_: int) -> str:
    """The attacker's frames against bare Reflex: well-formed events only."""
    return event_frame(HYDRATE, {})


async def measure(
    server: AppServer,
    args: argparse.Namespace,
    honest: list[LoadTab],
    act: Callable[[LoadTab], Awaitable[float]],
    kind: str,
) -> Run:
    """The honest tabs alone, then under attack; the attacker's gains and the server's memory."""
    honest_ms = await honest_round(args, honest, act)
    rss_before = group_usage(server.process.pid).rss_bytes / MIB
    context = multiprocessing.get_context("spawn")
    ready, stop, results = context.Event(), context.Event(), context.Queue()
    attacker = context.Process(target=run_attacker, args=(server.url, kind, args.sockets, ready, stop, results))
    attacker.start()
    peak = rss_before

    async def watch_memory() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, group_usage(server.process.pid).rss_bytes / MIB)
            await asyncio.sleep(0.5)

    watcher = asyncio.create_task(watch_memory())
    try:
        while not ready.is_set() and attacker.is_alive():
            await asyncio.sleep(0.1)
        started, cpu_before = time.perf_counter(), group_usage(server.process.pid).cpu_s
        attacked_ms = await honest_round(args, honest, act)
        await asyncio.sleep(max(0.0, args.seconds - (time.perf_counter() - started)))
        cpu_pct = 100 * (group_usage(server.process.pid).cpu_s - cpu_before) / (time.perf_counter() - started)
    finally:
        stop.set()
        await watcher
    figures = await asyncio.to_thread(results.get, True, 120)
    attacker.join(30)
    return Run(honest_ms, attacked_ms, Attack(**figures), rss_before, peak, cpu_pct)


async def honest_round(
    args: argparse.Namespace, honest: list[LoadTab], act: Callable[[LoadTab], Awaitable[float]]
) -> list[float]:
    """Every honest tab's paced actions at once; all their round trips (ms)."""
    per_tab = await asyncio.gather(*(paced(args.renames, lambda t=tab: act(t)) for tab in honest))
    return [ms for samples in per_tab for ms in samples]


async def app_run(server: AppServer, args: argparse.Namespace) -> Run:
    """The app: ten signed-in users renaming; the attack with every kind of frame."""
    origin = server.url
    transport = httpx.AsyncHTTPTransport(local_address=HONEST)
    async with httpx.AsyncClient(base_url=server.url, transport=transport, timeout=30) as http:
        tokens = [await _dev_token(http, origin) for _ in range(HONEST_TABS)]
    honest = [await open_signed_in(server.url, token, HONEST) for token in tokens]

    async def rename(tab: LoadTab) -> float:
        session_id = tab.var(SESSIONS, "sessions")[0]["id"]
        await tab.call(
            f"{SESSIONS}.start_rename",
            {"session_id": session_id},
            lambda t: t.var(SESSIONS, "editing_id") == session_id,
        )
        name = f"Honest {uuid.uuid4().hex[:8]}"
        return await tab.call(
            f"{SESSIONS}.save_rename",
            {"form_data": {"name": name}},
            lambda t: any(row["name"] == name for row in t.var(SESSIONS, "sessions") or ()),
        )

    try:
        return await measure(server, args, honest, rename, "app")
    finally:
        await asyncio.gather(*(tab.close() for tab in honest))


async def _dev_token(http: httpx.AsyncClient, origin: str) -> str:
    label = f"honest-{uuid.uuid4().hex[:10]}"
    response = await http.post(
        DEV_SIGN_IN, json={"email": f"{label}@example.com", "name": label}, headers={"Origin": origin}
    )
    response.raise_for_status()
    return response.json()["token"]


async def floor_run(server: AppServer, args: argparse.Namespace) -> Run:
    """Bare Reflex: ten tabs ticking; the attack with well-formed frames only."""

    async def sign_in(tab: LoadTab) -> None:
        await tab.call(f"{GATE}.sign_in", {}, lambda t: t.var(GATE, "signed_in") is True)

    honest = [await set_up(server.url, "/sign-in", sign_in, HONEST) for _ in range(HONEST_TABS)]

    async def tick(tab: LoadTab) -> float:
        wanted = (tab.var(GATE, "ticks") or 0) + 1
        return await tab.call(f"{GATE}.tick", {}, lambda t: t.var(GATE, "ticks") == wanted)

    try:
        return await measure(server, args, honest, tick, "floor")
    finally:
        await asyncio.gather(*(tab.close() for tab in honest))


def describe(label: str, run: Run) -> str:
    """One line of a run's figures."""
    attack = run.attack
    return (
        f"{label}: honest p50/p95 {statistics.median(run.honest_ms):.0f}/{p95(run.honest_ms):.0f} ms,"
        f" attacked {statistics.median(run.attacked_ms):.0f}/{p95(run.attacked_ms):.0f} ms"
        f" (ratio {run.ratio:.2f}); attacker sockets accepted {attack.sockets_accepted}"
        f" (at most {attack.open_at_peak} at once, {attack.sockets_refused} refused),"
        f" events answered {attack.events_accepted} of {attack.frames_sent} frames;"
        f" memory {run.rss_before_mib:.0f} MiB before, {run.rss_peak_mib:.0f} MiB at most;"
        f" server CPU under attack {run.cpu_pct:.0f}% of a core"
    )


def main() -> None:
    """Attack bare Reflex, then the app; print each one's figures and the last line."""
    args = arguments()
    os.environ["GRANIAN_WORKERS"] = "1"
    os.environ.pop("REFLEX_REDIS_URL", None)
    os.environ["REFLEX_STATE_MANAGER_MODE"] = "memory"
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = 2 * args.sockets + 1024
    if hard != resource.RLIM_INFINITY and hard < needed:
        sys.exit(f"bench.abuse: {args.sockets} sockets need {needed} open files; the hard limit is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, needed), hard))
    if SERVER_CPUS:
        os.sched_setaffinity(0, SERVER_CPUS)  # the servers started below inherit it
    print(
        "abuse: the app runs with its default budgets (SMNB_MAX_SOCKETS_PER_ADDRESS etc.); "
        f"honest tabs at {HONEST}, the attacker at {ATTACKER}; servers and honest tabs on CPUs "
        f"{sorted(SERVER_CPUS) or 'all'}, the attacker on {sorted(ATTACKER_CPUS) or 'all'}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="smnb-abuse-") as workdir:
        floor = start_floor(Path(workdir) / "floor")
        try:
            bare = asyncio.run(floor_run(floor, args))
        finally:
            floor.stop()
        print(describe("floor", bare), flush=True)
        (Path(workdir) / "app").mkdir()
        server = start_app(Path(workdir) / "app", extra_env={"SMNB_DEV_TOKEN_LIFETIME_S": "3600"})
        try:
            app = asyncio.run(app_run(server, args))
        finally:
            server.stop()
        print(describe("app", app), flush=True)
    print(json.dumps({"floor_ratio": round(bare.ratio, 2), "floor_rss_mib": round(bare.rss_peak_mib)}))
    print(
        f"abuse honest_p95_ms={p95(app.honest_ms):.0f} honest_attacked_p95_ms={p95(app.attacked_ms):.0f}"
        f" ratio={app.ratio:.2f} attacker_sockets_accepted={app.attack.open_at_peak}"
        f" attacker_events_accepted={app.attack.events_accepted} rss_mib={app.rss_peak_mib:.0f}"
    )


if __name__ == "__main__":
    main()
