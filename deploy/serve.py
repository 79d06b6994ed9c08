"""The production shape on one machine: nginx in front of several app instances on PostgreSQL and Redis.

`make serve` runs `python deploy/serve.py`: it migrates the database, exports the frontend,
starts `SMNB_INSTANCES` (2) backend instances, one after another, and nginx on `SMNB_PORT`
(8080), then waits until interrupted. The browser tests start the same shape through
`ProductionShape` and kill parts of it.

Defaults, each replaced by its environment variable: `DATABASE_URL` a `smnb` database on the
local PostgreSQL (created when missing), `REFLEX_REDIS_URL` the local Redis, `SMNB_LINK_SECRET`
a secret kept in `.smnb/serve/link_secret`. Everything the shape writes goes to `.smnb/serve/`.
"""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import httpx

from smnb_app.config.limits import LIMITS
from smnb_app.config.settings import Settings
from smnb_app.config.values import number
from smnb_app.system.secure_files import make_dirs_private

PROJECT_ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
PROXY_INCLUDE = Path(__file__).resolve().parent / "nginx-proxy.conf"
# nginx connects to the instances from this address, the only one they trust as a proxy.
PROXY_ADDRESS = "127.0.0.254"
BIN = PROJECT_ROOT / ".venv" / "bin"
START_TIMEOUT_S = 300
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options")


@dataclass
class Instance:
    """One backend instance: its port, its process group and its log."""

    port: int
    log_path: Path
    process: subprocess.Popen | None = None

    def alive(self) -> bool:
        """Whether its process still runs."""
        return self.process is not None and self.process.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send `sig` to the whole instance (the Reflex runner and its server workers)."""
        process = self.process
        if process is not None and process.poll() is None:
            os.killpg(process.pid, sig)
            process.wait(timeout=30)


@dataclass
class ProductionShape:
    """nginx on `port` in front of `instances` backend instances sharing `env`'s database and Redis."""

    port: int
    env: dict[str, str]
    state_dir: Path
    instances: list[Instance] = field(default_factory=list)
    nginx: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """The one origin of the shape."""
        return f"http://localhost:{self.port}"

    def instance_env(self) -> dict[str, str]:
        """The environment every instance (and the export) runs with."""
        return {
            **prod_env(self.state_dir / "web", self.url),
            "SMNB_DEPLOYMENT": "production",
            "REFLEX_DEPLOY_URL": self.url,
            "SMNB_BACKEND_URL": self.url,
            "SMNB_TRUSTED_PROXIES": f"{PROXY_ADDRESS}/32",
            "SMNB_DEV_KEY_PATH": str(self.state_dir / "keys" / "dev_issuer_key.pem"),
            "GRANIAN_WORKERS": os.environ.get("GRANIAN_WORKERS", "1"),
            **self.env,
        }

    def build(self) -> None:
        """Migrate the database and export the frontend for this origin."""
        private_state_dir(self.state_dir)
        private_web(self.state_dir)
        env = self.instance_env()
        _run([str(BIN / "alembic"), "upgrade", "head"], env, self.state_dir / "migrate.log")
        _run(
            [str(BIN / "reflex"), "export", "--frontend-only", "--no-zip", "--env", "prod", "--loglevel", "info"],
            env,
            self.state_dir / "export.log",
        )

    def start(self, ports: Sequence[int]) -> None:
        """Build, then start one instance per port, one after another, and nginx in front of them."""
        self.build()
        for index, port in enumerate(ports):
            instance = Instance(port=port, log_path=self.state_dir / f"instance-{index + 1}.log")
            self.instances.append(instance)
            self.start_instance(instance)
        self.start_nginx()

    def start_instance(self, instance: Instance) -> None:
        """(Re)start one instance and wait until it answers."""
        with private_log(instance.log_path) as log:
            instance.process = subprocess.Popen(
                [
                    str(BIN / "reflex"),
                    "run",
                    "--env",
                    "prod",
                    "--backend-only",
                    "--backend-host",
                    "127.0.0.1",
                    "--backend-port",
                    str(instance.port),
                    "--loglevel",
                    "info",
                ],
                cwd=PROJECT_ROOT,
                env=self.instance_env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until_answers([f"http://127.0.0.1:{instance.port}/ping"], instance.process, instance.log_path)

    def start_nginx(self) -> None:
        """Render the nginx config and start nginx in the foreground of its own process group."""
        for temp in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.state_dir / "tmp" / temp).mkdir(parents=True, exist_ok=True)
        config = self.state_dir / "nginx.conf"
        config.write_text(render_nginx(self, served_headers(self.instances[0])))
        for name in ("nginx-error.log", "nginx-access.log"):
            private_log(self.state_dir / name).close()
        log_path = self.state_dir / "nginx.log"
        with private_log(log_path) as log:
            self.nginx = subprocess.Popen(
                [nginx_binary(), "-e", str(self.state_dir / "nginx-error.log"), "-c", str(config), "-g", "daemon off;"],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        wait_until_answers([f"{self.url}/ping"], self.nginx, self.state_dir / "nginx-error.log")

    def stop(self) -> None:
        """Stop nginx and every instance."""
        if self.nginx is not None and self.nginx.poll() is None:
            os.killpg(self.nginx.pid, signal.SIGTERM)
            self.nginx.wait(timeout=30)
        for instance in self.instances:
            instance.kill(signal.SIGTERM)


def served_headers(instance: Instance) -> dict[str, str]:
    """The security headers an instance puts on its responses (its CSP names the export's scripts).

    Args:
        instance: A running instance of the shape.

    Returns:
        Header name -> value, for nginx to put on the pages and assets it serves itself.
    """
    response = httpx.get(f"http://127.0.0.1:{instance.port}/ping", timeout=10)
    return {name: response.headers[name] for name in SECURITY_HEADERS if name in response.headers}


def render_nginx(shape: ProductionShape, headers: dict[str, str]) -> str:
    """The nginx config of a shape.

    Args:
        shape: The shape, with its instances.
        headers: The security headers for the pages and assets nginx serves.

    Returns:
        The config text.
    """
    variable, bounds = LIMITS["max_sockets_per_address"]
    per_instance = number(shape.instance_env(), variable, Settings.max_sockets_per_address, bounds, [], integer=True)
    sockets = int(per_instance) * max(1, len(shape.instances))
    values = {
        # Started by root, nginx would run its workers as nobody, who cannot read the private
        # state directory; here they run as the user who runs the shape.
        "USER": f"user {getpass.getuser()};" if os.geteuid() == 0 else "",
        "STATE_DIR": str(shape.state_dir),
        "MIME_TYPES": "/etc/nginx/mime.types",
        "LISTEN": f"127.0.0.1:{shape.port}",
        "STATIC_ROOT": str(shape.state_dir / "web" / "build" / "client"),
        "UPSTREAM_SERVERS": "\n".join(
            f"        server 127.0.0.1:{instance.port} max_fails=1 fail_timeout=5s;" for instance in shape.instances
        ),
        "PROXY_ADDRESS": PROXY_ADDRESS,
        "PROXY_INCLUDE": str(PROXY_INCLUDE),
        # Each instance allows an address this many sockets; nginx allows what they all do.
        "SOCKETS_PER_ADDRESS": str(sockets),
        "SOCKET_CONNECTS_PER_S": "5",
        "SOCKET_CONNECTS_BURST": str(sockets),
        "SECURITY_HEADERS": "\n".join(
            f'            add_header {name} "{value}" always;' for name, value in headers.items()
        ),
    }
    text = TEMPLATE.read_text()
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    return text


def private_state_dir(path: Path) -> None:
    """Make `path` (and missing parents) readable by its owner only: it holds logs and secrets.

    Unlike `secure_files.private_dir` (which refuses), a state directory an older version made
    open to others is tightened: it holds only what `make serve` writes.
    """
    make_dirs_private(path)
    path.chmod(0o700)


def private_log(path: Path) -> BinaryIO:
    """Open a log for appending, made (or kept) 0600: logs name addresses and URLs.

    Args:
        path: The log file.

    Returns:
        The open file.
    """
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
    os.fchmod(descriptor, 0o600)
    return os.fdopen(descriptor, "ab")


def nginx_binary() -> str:
    """Debian's nginx, which `make serve` installs (scripts/ensure-nginx.sh)."""
    path = os.environ.get("SMNB_NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(path).is_file():
        raise RuntimeError(
            "nginx not found: run scripts/ensure-nginx.sh (Debian: apt-get install nginx) or set SMNB_NGINX"
        )
    return path


def _run(command: list[str], env: dict[str, str], log_path: Path) -> None:
    with private_log(log_path) as log:
        result = subprocess.run(command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:2])} failed:\n{log_path.read_text()[-3000:]}")


def private_web(directory: Path) -> Path:
    """A private copy of the project's `.web` in `directory/web`: each build writes its own bundle.

    Args:
        directory: Where the copy goes; an existing copy is kept.

    Returns:
        The copy (`REFLEX_WEB_WORKDIR` of the build).
    """
    web_dir = directory / "web"
    if (PROJECT_ROOT / ".web").is_dir() and not web_dir.exists():
        shutil.copytree(PROJECT_ROOT / ".web", web_dir, symlinks=True)
    return web_dir


def prod_env(web_dir: Path, url: str) -> dict[str, str]:
    """This process's environment plus a production build's: the venv's node and npm, prod mode.

    Args:
        web_dir: The build's directory (`REFLEX_WEB_WORKDIR`).
        url: Where the app answers (pages, API and websocket).

    Returns:
        The environment.
    """
    return {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "REFLEX_USE_NPM": "1",
        "REFLEX_ENV_MODE": "prod",
        "REFLEX_WEB_WORKDIR": str(web_dir),
        "REFLEX_API_URL": url,
    }


def wait_until_answers(
    urls: Sequence[str], process: subprocess.Popen, log_path: Path, timeout_s: float = START_TIMEOUT_S
) -> None:
    """Wait until every URL answers 200, failing with the log's tail if the process exits first.

    Args:
        urls: What must answer.
        process: The server that should answer them.
        log_path: Its log, quoted in the error.
        timeout_s: How long to wait.

    Raises:
        RuntimeError: The process exited, or the URLs did not answer in time.
    """
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}:\n{log_path.read_text()[-4000:]}")
        try:
            if all(httpx.get(url, timeout=5).status_code == 200 for url in urls):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{urls[0]} did not answer within {timeout_s:.0f} s:\n{log_path.read_text()[-4000:]}")


def _local_database() -> str:
    """A `smnb` database on the local PostgreSQL, created when missing."""
    import psycopg2

    user = getpass.getuser()
    connection = psycopg2.connect(host="127.0.0.1", port=5432, user=user, dbname="postgres", connect_timeout=5)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = 'smnb'")
            if cursor.fetchone() is None:
                cursor.execute("CREATE DATABASE smnb")
    finally:
        connection.close()
    return f"postgresql://{user}@127.0.0.1:5432/smnb"


def _kept_secret(path: Path) -> str:
    """A random secret kept in `path` (0600), made on first use."""
    import secrets

    if not path.exists():
        private_state_dir(path.parent)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(descriptor, "w") as secret_file:
            secret_file.write(secrets.token_hex(32))
    return path.read_text().strip()


def main() -> None:
    """Serve the production shape until interrupted (`make serve`)."""
    problems: list[str] = []
    port = int(number(os.environ, "SMNB_PORT", 8080, (1024, 65_000 - 16), problems, integer=True))
    count = int(number(os.environ, "SMNB_INSTANCES", 2, (1, 16), problems, integer=True))
    if problems:
        sys.exit("make serve:\n" + "\n".join(f"  {problem}" for problem in problems))
    state_dir = PROJECT_ROOT / ".smnb" / "serve"
    env = {
        "DATABASE_URL": os.environ.get("DATABASE_URL") or _local_database(),
        "REFLEX_REDIS_URL": os.environ.get("REFLEX_REDIS_URL") or "redis://127.0.0.1:6379/0",
        "SMNB_LINK_SECRET": os.environ.get("SMNB_LINK_SECRET") or _kept_secret(state_dir / "link_secret"),
    }
    if not os.environ.get("CLERK_PUBLISHABLE_KEY"):
        env["SMNB_ALLOW_DEV_AUTH_IN_PROD"] = os.environ.get("SMNB_ALLOW_DEV_AUTH_IN_PROD", "1")
    shape = ProductionShape(port=port, env=env, state_dir=state_dir)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        print(f"make serve: building and starting {count} instances behind nginx (logs in {state_dir})", flush=True)
        shape.start([port + 1 + index for index in range(count)])
        print(f"make serve: serving {shape.url} (Ctrl-C stops it)", flush=True)
        assert shape.nginx is not None
        shape.nginx.wait()
    except KeyboardInterrupt:
        pass
    finally:
        shape.stop()


if __name__ == "__main__":
    main()
