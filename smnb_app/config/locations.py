"""Where the app's data and peers are: the database, Redis, its own URLs and the dev issuer's key.

Each reader appends one line per problem for `smnb_app.config.settings`, and never raises: a URL that
would only fail when first used (a port that is not a number, an unclosed `[`) is refused here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from smnb_app.config.echo import shown
from smnb_app.config.values import http_url, is_port, text

DEFAULT_DATABASE_URL = "sqlite:///smnb.db"
DEFAULT_BACKEND_URL = "http://localhost:8000"
DEFAULT_DEV_KEY_PATH = ".smnb/dev_issuer_key.pem"
# The drivers this project ships, by backend ("" is SQLAlchemy's default for it).
_DRIVERS = {"sqlite": ("", "pysqlite"), "postgresql": ("", "psycopg2")}
# The head of SQLAlchemy's own URL pattern (`sqlalchemy.engine.url._parse_url`), to read each
# part as `make_url` will: it hands the port to int(), which takes any script's digits and any size.
_DATABASE_URL = re.compile(
    r"""
    (?P<name>[\w+]+)://
    (?:(?P<username>[^:/]*)(?::(?P<password>[^@]*))?@)?
    (?:(?:\[(?P<ipv6host>[^/?]+)\]|(?P<ipv4host>[^/:?]+))?(?::(?P<port>[^/?]*))?)?
    """,
    re.X,
)
_REDIS_SCHEMES = ("redis", "rediss", "unix")
_REDIS_DATABASE = re.compile(r"/?([0-9]{1,5})?")
_REDIS_EXAMPLE = "expected redis://host:6379/0 (or rediss://, unix://)"


def database_url(env: Mapping[str, str], problems: list[str]) -> str:
    """`DATABASE_URL`: SQLite or PostgreSQL through the drivers installed; `postgres://` is renamed.

    Args:
        env: The environment.
        problems: Receives a line when the URL has another scheme or driver, a control
            character, a port that is not 1 to 65535, or (for SQLite) a host.

    Returns:
        The URL, `sqlite:///smnb.db` when unset.
    """
    raw = text(env, "DATABASE_URL")
    url = raw or DEFAULT_DATABASE_URL
    url = "postgresql://" + url.removeprefix("postgres://") if url.startswith("postgres://") else url
    scheme, separator, _ = url.partition("://")
    backend, _, driver = scheme.partition("+")
    parts = _DATABASE_URL.match(url)
    if not separator or backend not in _DRIVERS or parts is None:
        problems.append(f"DATABASE_URL: expected sqlite:///... or postgresql://..., got scheme {shown(scheme)}")
    elif driver not in _DRIVERS[backend]:
        problems.append(f"DATABASE_URL: the driver {shown(driver)} is not installed; write {backend}:// alone")
    elif not url.isprintable():
        problems.append(f"DATABASE_URL: holds a control character or a byte that is not UTF-8, in {shown(raw)}")
    elif parts["port"] is not None and not is_port(parts["port"]):
        problems.append(
            f"DATABASE_URL: the port {shown(parts['port'])} is not a number from 1 to 65535, in {shown(raw)}"
        )
    elif backend == "sqlite" and any(parts[group] for group in ("username", "ipv6host", "ipv4host", "port")):
        problems.append(
            f"DATABASE_URL: a SQLite URL names a file, not a host (sqlite:///relative.db or "
            f"sqlite:////absolute.db), got {shown(raw)}"
        )
    return url


def redis_url(env: Mapping[str, str], problems: list[str]) -> None:
    """Check `REFLEX_REDIS_URL` (Reflex reads it) as redis-py will parse it.

    Args:
        env: The environment.
        problems: Receives a line when it is set and malformed.
    """
    value = text(env, "REFLEX_REDIS_URL")
    if value and not _is_redis_url(value):
        problems.append(f"REFLEX_REDIS_URL: {_REDIS_EXAMPLE}, got {shown(value)}")


def _is_redis_url(value: str) -> bool:
    if not value.isprintable():
        return False
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:  # an unclosed `[`, a port that is not a number from 0 to 65535
        return False
    if parts.scheme == "unix":
        return bool(parts.path)
    network = parts.scheme in _REDIS_SCHEMES and bool(parts.hostname) and port != 0
    return network and _REDIS_DATABASE.fullmatch(parts.path) is not None


def backend_url(env: Mapping[str, str], problems: list[str]) -> str:
    """Where the backend answers (`SMNB_BACKEND_URL`, else Reflex's `REFLEX_API_URL`).

    Reflex's `REFLEX_DEPLOY_URL` (where the pages are served) is checked too: the app derives
    its own origins from both.

    Args:
        env: The environment.
        problems: Receives a line per variable that is set and not an http(s) URL.

    Returns:
        The backend's URL without a trailing slash, `http://localhost:8000` when neither is set.
    """
    own = http_url(env, "SMNB_BACKEND_URL", problems, example=DEFAULT_BACKEND_URL)
    reflex_api = http_url(env, "REFLEX_API_URL", problems, example=DEFAULT_BACKEND_URL)
    http_url(env, "REFLEX_DEPLOY_URL", problems, example="https://smnb.example.com")
    return own or reflex_api or DEFAULT_BACKEND_URL


def dev_key_path(env: Mapping[str, str], problems: list[str]) -> str:
    """`SMNB_DEV_KEY_PATH`: a file whose directory exists or can be made (it also holds the link secret).

    Only looks: nothing is created until the key is first needed.

    Args:
        env: The environment.
        problems: Receives a line when the path cannot hold the key.

    Returns:
        The path, `.smnb/dev_issuer_key.pem` when unset.
    """
    value = text(env, "SMNB_DEV_KEY_PATH") or DEFAULT_DEV_KEY_PATH
    if not value.isprintable():
        problems.append(f"SMNB_DEV_KEY_PATH: holds a control character or a byte that is not UTF-8, in {shown(value)}")
    elif Path(value).name in ("", ".."):
        problems.append(
            f"SMNB_DEV_KEY_PATH: {shown(value)} names a directory; name the key's file, such as "
            f"{DEFAULT_DEV_KEY_PATH!r}"
        )
    elif (blocker := _blocker(Path(value))) is not None:
        problems.append(f"SMNB_DEV_KEY_PATH: {shown(value)} cannot be used: {blocker}")
    return value


def _blocker(path: Path) -> str | None:
    """What stands in the way of keeping a file at `path` (and its siblings), or None."""
    for place in (path, *path.parents):
        try:
            is_directory = place.is_dir()
            exists = is_directory or place.exists()
        except OSError as error:  # a name too long, a directory that may not be searched
            return f"{shown(str(place))}: {error.strerror}"
        if place == path and is_directory:
            return "it is a directory; name the key's file inside it"
        if place != path and exists and not is_directory:
            return f"{shown(str(place))} is a file, not a directory"
        if is_directory:
            return None
    return None
