"""Starts bare Reflex (`bench/floor_app`) in production mode, for benchmarks to measure beside the app."""

from __future__ import annotations

from pathlib import Path

from tests.harness.app_server import AppServer, free_port, prod_env, serve_reflex

FLOOR_APP_DIR = Path(__file__).resolve().parent / "floor_app"


def start_floor(workdir: Path) -> AppServer:
    """Build and serve the floor app on a free port, in the same state manager as the app.

    It keeps its state where the app does (`REFLEX_REDIS_URL` when set, so with as many workers),
    and builds in a copy of the project's `.web`, whose node packages it reuses.

    Args:
        workdir: Where its build, its states and its log go.

    Returns:
        The running floor app.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    return serve_reflex(FLOOR_APP_DIR, workdir, env=prod_env(workdir, f"http://localhost:{port}"), port=port)
