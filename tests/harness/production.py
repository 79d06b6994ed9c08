"""The production shape for the fault tests: nginx, two instances, PostgreSQL and Redis behind cuttable proxies.

It is `deploy/serve.py`'s `ProductionShape` (what `make serve` runs), on free ports, with a
fresh PostgreSQL database and the test Redis each reached through a `TcpProxy`, so that a test
can take either away and give it back.
"""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from deploy.serve import ProductionShape
from tests.harness.app_server import AppServer, free_port
from tests.support.postgres import admin_connection
from tests.support.tcp_proxy import TcpProxy

PG_ENV = "SMNB_TEST_POSTGRES_URL"
REDIS_ENV = "REFLEX_REDIS_URL"


@dataclass
class ShapeUnderTest:
    """A running production shape: its URL, its parts, and each instance as an `AppServer` (its log)."""

    shape: ProductionShape
    database_proxy: TcpProxy
    database_url: str
    redis_proxy: TcpProxy

    @property
    def url(self) -> str:
        """The one origin, served by nginx."""
        return self.shape.url

    @property
    def servers(self) -> list[AppServer]:
        """The instances, as the log checks of the browser suite see an app."""
        servers = []
        for instance in self.shape.instances:
            if instance.process is None:
                raise RuntimeError(f"the instance on port {instance.port} was never started")
            url = f"http://127.0.0.1:{instance.port}"
            servers.append(AppServer(url, self.database_url, instance.log_path, instance.process, self.shape.state_dir))
        return servers

    def log_size(self) -> tuple[int, ...]:
        """Each instance log's length, to read what a test added."""
        return tuple(server.log_size() for server in self.servers)

    def errors_since(self, offsets: tuple[int, ...], allowed: tuple[str, ...] = ()) -> list[str]:
        """Error-level entries every instance logged since `offsets`."""
        return [
            error
            for server, offset in zip(self.servers, offsets, strict=True)
            for error in server.errors_since(offset, allowed)
        ]

    def secrets_since(self, offsets: tuple[int, ...], secrets_: list[str]) -> list[str]:
        """Log lines of any instance since `offsets` that contain one of `secrets_`."""
        return [
            leak
            for server, offset in zip(self.servers, offsets, strict=True)
            for leak in server.secrets_since(offset, secrets_)
        ]

    def instance_of_tab(self, tag: str, offsets: tuple[int, ...]) -> int | None:
        """Which instance (0-based) logged the sign-in of the tab `tag` since `offsets`."""
        for index, (server, offset) in enumerate(zip(self.servers, offsets, strict=True)):
            if server.lines_since(offset, f"tab {tag} signed in"):
                return index
        return None


def _services_or_skip() -> tuple[str, str]:
    missing = [name for name in (PG_ENV, REDIS_ENV) if not os.environ.get(name, "").strip()]
    if missing:
        pytest.skip(
            f"the production shape needs PostgreSQL and Redis: set {' and '.join(missing)} "
            "(`make test` sets them when the services answer on loopback)"
        )
    return os.environ[PG_ENV], os.environ[REDIS_ENV]


@contextmanager
def running_shape(state_dir: Path) -> Iterator[ShapeUnderTest]:
    """nginx in front of two instances on a fresh PostgreSQL database (through a proxy) and Redis.

    Args:
        state_dir: Where the shape keeps its builds, logs and sockets.

    Yields:
        The running shape; stopped, and its database dropped, on leaving.
    """
    pg_url, redis_url = _services_or_skip()
    base = make_url(pg_url)
    database = f"smnb_shape_{uuid.uuid4().hex[:10]}"
    with closing(admin_connection(pg_url)) as admin, admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{database}"')
    proxy = TcpProxy((base.host or "127.0.0.1", base.port or 5432)).start()
    database_url = base.set(host="127.0.0.1", port=proxy.port, database=database).render_as_string(hide_password=False)
    redis = make_url(redis_url)
    redis_proxy = TcpProxy((redis.host or "127.0.0.1", redis.port or 6379)).start()
    shape = ProductionShape(
        port=free_port(),
        state_dir=state_dir,
        env={
            "DATABASE_URL": database_url,
            "REFLEX_REDIS_URL": redis.set(host="127.0.0.1", port=redis_proxy.port).render_as_string(
                hide_password=False
            ),
            "SMNB_LINK_SECRET": secrets.token_hex(32),
            "SMNB_ALLOW_DEV_AUTH_IN_PROD": "1",
            "SMNB_DEV_TOKEN_LIFETIME_S": "15",
            "SMNB_CLOCK_SKEW_S": "2",
        },
    )
    try:
        shape.start([free_port(), free_port()])
        yield ShapeUnderTest(shape, proxy, database_url, redis_proxy)
    finally:
        shape.stop()
        proxy.close()
        redis_proxy.close()
        with closing(admin_connection(pg_url)) as admin, admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
