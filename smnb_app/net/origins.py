"""The app's own origins: where its pages are served, the only ones its tokens and requests may name."""

from __future__ import annotations

from urllib.parse import urlsplit

DEFAULT_DEPLOY_URL = "http://localhost:3000"
_LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")


def origin_of(url: str) -> str:
    """The origin (`scheme://host[:port]`) of an absolute URL, lower-cased, default port dropped.

    Args:
        url: An absolute http(s) URL.

    Returns:
        The origin, e.g. `https://app.example.com`.

    Raises:
        ValueError: If the URL has no http(s) scheme or no host.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not an absolute http(s) URL")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    default_port = 443 if parts.scheme == "https" else 80
    port = f":{parts.port}" if parts.port and parts.port != default_port else ""
    return f"{parts.scheme}://{host}{port}"


def app_origins(deploy_url: str | None, configured: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The origins the app's pages are served from; the first is the canonical one.

    Args:
        deploy_url: Reflex's `deploy_url` (the frontend's public URL); its default when None.
        configured: `CLERK_AUTHORIZED_PARTIES`; when given, exactly these.

    Returns:
        `configured`, else the origin of `deploy_url`, followed, when that is a loopback host,
        by the same port on the other loopback names (a developer may open either).
    """
    if configured:
        return configured
    origin = origin_of(deploy_url or DEFAULT_DEPLOY_URL)
    parts = urlsplit(origin)
    host = f"[{parts.hostname}]" if parts.hostname and ":" in parts.hostname else parts.hostname
    if host not in _LOOPBACK_HOSTS:
        return (origin,)
    port = f":{parts.port}" if parts.port else ""
    aliases = (f"{parts.scheme}://{name}{port}" for name in _LOOPBACK_HOSTS)
    return tuple(dict.fromkeys((origin, *aliases)))


def websocket_origin(origin: str) -> str:
    """The websocket origin (`ws://` or `wss://`) of an http(s) origin.

    Args:
        origin: An origin such as `https://app.example.com`.

    Returns:
        E.g. `wss://app.example.com`.
    """
    return "ws" + origin.removeprefix("http")
