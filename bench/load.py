"""What one worker holds: N signed-in tabs on /sessions, and how fast it answers 50 busy ones.

Run with `.venv/bin/python -m bench.load --tabs 1000` (Reflex's memory state manager; add
`--state disk` for its disk one, `--redis` for Redis, `--workers W` for W server workers,
`--postgres URL` for a fresh database on that PostgreSQL server). It serves the app in
production mode in a temporary directory (SQLite unless `--postgres`, the dev identity provider)
and, in the same run, bare Reflex (`bench/floor_app`: one auth-like state whose event marks the
tab signed in), in the same state manager. Tabs are socket-level clients speaking Reflex's
protocol (`bench/load_client.py`).

Per app it opens N tabs, each a different user: a dev sign-in over HTTP (the provider signs the
token; done before, not counted), then connect + hydrate on /sessions, `set_session_token`, and
the list's first load. It measures the set-up rate and the server's CPU per tab for it, errors
(with the first one's text), the server's resident memory per tab (its process group, before
and after), its idle CPU over IDLE_S seconds, and the round trip of three events sent by
`--actors` tabs at once, `--rounds` times each: a cheap one (opening the rename field), a filter
change (one read) and a rename (one write, the counts, the patch); bare Reflex's actors send its
cheapest event (one var changed) three times a round. Both servers log each garbage
collection of at least SMNB_GC_LOG_MS ms (5 here); the longest is reported. On Redis Reflex
warns of every state lock held over 100 ms (REFLEX_REDIS_LOCK_WARNING_THRESHOLD, set here; its
default is 1000): `locks_over_100_ms` counts those warnings, by the event that held the lock.
An actor whose event goes unanswered (60 s) stops and counts in `actor_errors`; the app's
per-tab rate limit is raised for the run, since a lone actor sends faster than a person.

Last line: `tabs=N ok=N errors=0 tabs_per_s=.. kib_per_tab=.. bare_kib_per_tab=..
rename_p95_ms=.. gc_max_ms=.. idle_cpu_pct_per_1k=..`, after a `floor: ...` line with bare
Reflex's figures.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import tempfile
from collections.abc import Callable, Coroutine
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from bench.budgets import raised_budgets
from bench.floor import start_floor
from bench.load_database import fresh_database
from bench.load_runs import AppUnderLoad, Report, app_run, floor_run
from tests.harness.app_server import AppServer, start_app

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def arguments() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=(__doc__ or "").partition("\n")[0])
    parser.add_argument("--tabs", type=int, default=1000, help="signed-in tabs to open (default 1000)")
    parser.add_argument("--redis", action="store_true", help="keep state in Redis (REFLEX_REDIS_URL or local)")
    parser.add_argument(
        "--state",
        choices=("memory", "disk"),
        default="memory",
        help="Reflex's state manager without --redis (default memory, see README)",
    )
    parser.add_argument(
        "--postgres",
        metavar="URL",
        default="",
        help="run the app on a fresh database on this PostgreSQL server (default SQLite)",
    )
    parser.add_argument("--workers", type=int, default=1, help="server workers (default 1)")
    parser.add_argument("--actors", type=int, default=50, help="tabs sending events at once (default 50)")
    parser.add_argument("--rounds", type=int, default=10, help="rounds of events per actor (default 10)")
    return parser.parse_args()


def shape_environment(args: argparse.Namespace) -> None:
    """Set the environment both servers inherit: workers, state manager, open-file limit."""
    os.environ["GRANIAN_WORKERS"] = str(args.workers)
    os.environ["SMNB_GC_LOG_MS"] = "5"
    # Reflex's console wraps its lines at the terminal's width; whole lines name the lock holders.
    os.environ["COLUMNS"] = "100000"
    if args.redis:
        os.environ.setdefault("REFLEX_REDIS_URL", DEFAULT_REDIS_URL)
        os.environ.pop("REFLEX_STATE_MANAGER_MODE", None)
        # Reflex warns of a state lock held longer than this (ms; its default is 1000).
        os.environ["REFLEX_REDIS_LOCK_WARNING_THRESHOLD"] = "100"
    else:
        os.environ.pop("REFLEX_REDIS_URL", None)
        os.environ["REFLEX_STATE_MANAGER_MODE"] = args.state
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = args.tabs + 1024
    if hard != resource.RLIM_INFINITY and hard < needed:
        sys.exit(
            f"bench.load: {args.tabs} tabs need {needed} open files; the hard limit is {hard}"
            " (raise it with `ulimit -Hn`)"
        )
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, needed), hard))


def main() -> None:
    """Load the floor, then the app; print each one's figures and the last line."""
    args = arguments()
    shape_environment(args)
    options = {"tabs": args.tabs, "actors": args.actors, "rounds": args.rounds}
    with tempfile.TemporaryDirectory(prefix="smnb-load-") as workdir:
        floor = load(start_floor(Path(workdir) / "floor"), floor_run, options)
        print(floor.describe("bare"), flush=True)
        (Path(workdir) / "app").mkdir()
        with fresh_database(args.postgres) if args.postgres else nullcontext("") as database_url:
            # Actors send each event as soon as the last is answered: a lone one would go past the
            # per-tab rate limit (SMNB_EVENT_RATE), which still checks every event, just never refuses.
            env = {
                **raised_budgets("load"),
                "SMNB_DEV_TOKEN_LIFETIME_S": "3600",
                "SMNB_EVENT_RATE": "10000",
                "SMNB_EVENT_BURST": "100000",
                **({"DATABASE_URL": database_url} if database_url else {}),
            }
            app = load(start_app(Path(workdir) / "app", extra_env=env), app_run, options)
        print(app.describe("app"), flush=True)
    print(floor_line(floor))
    print(last_line(app, floor))


def load(server: AppServer, run: Callable[..., Coroutine[Any, Any, Report]], options: dict[str, int]) -> Report:
    """One run against a started server, which is stopped afterwards."""
    try:
        return asyncio.run(run(AppUnderLoad(server), **options))
    finally:
        server.stop()


def last_line(app: Report, floor: Report) -> str:
    """The figures the targets are checked against."""
    return (
        f"tabs={app.tabs} ok={app.ok} errors={app.errors} tabs_per_s={app.tabs_per_s:.0f}"
        f" kib_per_tab={app.kib_per_tab:.0f} bare_kib_per_tab={floor.kib_per_tab:.0f}"
        f" rename_p95_ms={app.p95_ms('rename'):.0f} gc_max_ms={app.gc_max_ms:.0f}"
        f" idle_cpu_pct_per_1k={app.idle_cpu_pct_per_1k:.1f}"
    )


def floor_line(floor: Report) -> str:
    """Bare Reflex's figures, beside the last line's."""
    return (
        f"floor: tabs_per_s={floor.tabs_per_s:.0f} tick_p95_ms={floor.p95_ms('tick'):.0f}"
        f" gc_max_ms={floor.gc_max_ms:.0f} idle_cpu_pct_per_1k={floor.idle_cpu_pct_per_1k:.1f}"
    )


if __name__ == "__main__":
    main()
