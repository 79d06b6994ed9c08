"""The app's own origins: where its pages are served, the only ones its tokens and requests may name."""

from __future__ import annotations

from urllib.parse import urlsplit

from smnb_app.config.echo import shown

DEFAULT_DEPLOY_URL = "http://localhost:3000"
_LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")


def origin_of(url: str) -> str:
    """The origin (`scheme://host[:port]`) of an absolute URL, lower-cased, default port dropped.

    Args:
        url: An absolute http(s) URL.

    Returns:
        The origin, e.g. `https://app.example.com`.

    Raises:
        ValueError: If the URL has no http(s) scheme, no host, an unclosed `[` or a port that is
            not a number from 0 to 65535.
    """
    refusal = f"{shown(url)} is not an absolute http(s) URL"
    try:
        parts = urlsplit(url.strip())
        port_number = parts.port
    except ValueError:  # an unclosed `[`, a port that is not a number from 0 to 65535
        raise ValueError(refusal) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(refusal)
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    default_port = 443 if parts.scheme == "https" else 80
    port = f":{port_number}" if port_number and port_number != default_port else ""
    return f"{parts.scheme}://{host}{port}"


def app_origins(deploy_url: str | None, configured: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The origins the app's pages are served from; the first is the canonical one.

    Never raises, as `rxconfig.py` calls it before the settings are checked: a `deploy_url`
    that is not an http(s) URL counts as the default, loopback only, until start-up refuses it
    (`REFLEX_DEPLOY_URL` in `smnb_app.config.settings`).

    Args:
        deploy_url: Reflex's `deploy_url` (the frontend's public URL); its default when None.
        configured: `CLERK_AUTHORIZED_PARTIES`; when given, exactly these.

    Returns:
        `configured`, else the origin of `deploy_url`, followed, when that is a loopback host,
        by the same port on the other loopback names (a developer may open either).
    """
    if configured:
        return configured
    try:
        origin = origin_of(deploy_url or DEFAULT_DEPLOY_URL)
    except ValueError:
        origin = DEFAULT_DEPLOY_URL
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
