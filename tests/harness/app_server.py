"""Starts the real app (`reflex run --env prod`) for the browser tests and watches its log."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path

from deploy.serve import private_web, wait_until_answers
from deploy.serve import prod_env as deploy_prod_env
from tests.support.paths import PROJECT_ROOT

START_TIMEOUT_S = 600
# Error-level lines in the server log; the browser tests fail on any of them.
ERROR_LINE = re.compile(r"Traceback \(most recent call last\)|\bERROR\b|\[error\]|Exception in ", re.I)
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit)\b")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    """Debian's Chromium, which `make test` installs; Playwright cannot download a browser here."""
    path = os.environ.get("SMNB_CHROMIUM") or shutil.which("chromium")
    if not path:
        raise RuntimeError("Chromium not found: run `make test` (it installs Debian's chromium) or set SMNB_CHROMIUM")
    return path


def free_port() -> int:
    """A TCP port no socket of this machine uses, on any address.

    Bound on every address, as the server will be: a port whose number a closed connection from
    another loopback address (127.0.0.x) still holds in TIME_WAIT would pass a probe on
    127.0.0.1 alone, and then fail the server's own bind.
    """
    with socket.socket() as probe:
        probe.bind(("", 0))
        return probe.getsockname()[1]


@dataclass
class AppServer:
    """A running app: its URL, its database and its log."""

    url: str
    database_url: str
    log_path: Path
    process: subprocess.Popen
    workdir: Path

    def log_size(self) -> int:
        """The log's current length in bytes, to read what a test added."""
        return self.log_path.stat().st_size

    def errors_since(self, offset: int, allowed: tuple[str, ...] = ()) -> list[str]:
        """Error-level entries (a traceback counts as one) logged after `offset`.

        Args:
            offset: Where in the log to start reading.
            allowed: Texts that excuse an entry containing them (a test provoking that error).
        """
        lines = self.lines_since(offset)
        entries: list[str] = []
        index = 0
        while index < len(lines):
            line = lines[index]
            index += 1
            if not ERROR_LINE.search(line):
                continue
            block = [line]
            if "Traceback" in line:
                while index < len(lines) and not EXCEPTION_LINE.match(lines[index]):
                    block.append(lines[index])
                    index += 1
                block.extend(lines[index : index + 1])
                index += 1
            entry = "\n".join(block)
            if not any(text in entry for text in allowed):
                entries.append(entry)
        return entries

    def lines_since(self, offset: int, text: str = "") -> list[str]:
        """Log lines written after `offset`, those containing `text` when given."""
        with self.log_path.open("rb") as log:
            log.seek(offset)
            lines = log.read().decode(errors="replace").splitlines()
        return [line for line in lines if text in line]

    def secrets_since(self, offset: int, secrets: list[str]) -> list[str]:
        """Log lines written after `offset` that contain one of `secrets` (shown shortened)."""
        return [
            f"{secret[:12]}... in: {line[:200]}"
            for line in self.lines_since(offset)
            for secret in secrets
            if secret in line
        ]

    def stop(self) -> None:
        """Stop the app and everything it started."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)


def prod_env(workdir: Path, url: str) -> dict[str, str]:
    """The environment of a production build served at `url`, built in a private copy of `.web`.

    Args:
        workdir: Where the build and Reflex's state files go.
        url: Where the app answers (pages, API and websocket).

    Returns:
        This process's environment with the build's variables.
    """
    return {**deploy_prod_env(private_web(workdir), url), "REFLEX_STATES_WORKDIR": str(workdir / "states")}


def start_app(workdir: Path, *, extra_env: dict[str, str] | None = None, port: int | None = None) -> AppServer:
    """Build and serve the app in production mode on a free port, with its own DB and keys.

    Args:
        workdir: Where the database, the dev issuer's key and the log go.
        extra_env: More environment variables for the app.
        port: The port to serve on (when the environment must name the app's origin); a free
            one when None.

    Returns:
        The running app, once it answers.
    """
    port = port or free_port()
    url = f"http://localhost:{port}"
    database_url = f"sqlite:///{workdir / 'e2e.db'}"
    env = {
        **prod_env(workdir, url),
        "DATABASE_URL": database_url,
        "SMNB_DEV_KEY_PATH": str(workdir / "keys" / "dev_issuer_key.pem"),
        "SMNB_ALLOW_DEV_AUTH_IN_PROD": "1",
        "SMNB_BACKEND_URL": url,
        "SMNB_DEV_TOKEN_LIFETIME_S": "15",
        "SMNB_CLOCK_SKEW_S": "2",
        **(extra_env or {}),
    }
    return serve_reflex(PROJECT_ROOT, workdir, env=env, port=port, database_url=database_url)


def serve_reflex(app_dir: Path, workdir: Path, *, env: dict[str, str], port: int, database_url: str = "") -> AppServer:
    """Run `reflex run --env prod` for the app in `app_dir` and wait until it answers.

    Args:
        app_dir: The directory holding the app's rxconfig.py.
        workdir: Where the log goes.
        env: The app's whole environment.
        port: The port it serves pages and API on.
        database_url: The app's database, for the tests to read.

    Returns:
        The running app.
    """
    url = f"http://localhost:{port}"
    log_path = workdir / "app.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                str(PROJECT_ROOT / ".venv" / "bin" / "reflex"),
                "run",
                "--env",
                "prod",
                "--backend-port",
                str(port),
                "--loglevel",
                "info",
            ],
            cwd=app_dir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = AppServer(url, database_url, log_path, process, workdir)
    try:
        wait_until_answers([f"{url}/ping", url], process, log_path, timeout_s=START_TIMEOUT_S)
    except RuntimeError:
        server.stop()
        raise
    return server
