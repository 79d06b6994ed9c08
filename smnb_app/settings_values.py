"""Readers of single environment values for `smnb_app.settings`: each appends one line per problem."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from urllib.parse import urlsplit

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def flag(env: Mapping[str, str], name: str, problems: list[str]) -> bool:
    """A boolean variable: 1/true/yes/on or 0/false/no/off (empty is false).

    Args:
        env: The environment.
        name: The variable.
        problems: Receives a line when the value is neither.

    Returns:
        The value; False when it is bad.
    """
    raw = env.get(name, "").strip().lower()
    if raw in _TRUE:
        return True
    if raw not in _FALSE:
        problems.append(f"{name}: expected 1 or 0, got {env[name]!r}")
    return False


def number(env: Mapping[str, str], name: str, default: float, bounds: tuple[float, float],
           problems: list[str], *, integer: bool = False) -> float:
    """A number within inclusive bounds; empty means the default.

    Args:
        env: The environment.
        name: The variable.
        default: The value when the variable is empty or unset.
        bounds: The smallest and largest accepted values.
        problems: Receives a line when the value is not a number within bounds.
        integer: Whether only whole numbers are accepted.

    Returns:
        The value; the default when it is bad.
    """
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        value = float("nan")
    low, high = bounds
    if not low <= value <= high:
        kind = "a whole number" if integer else "a number"
        problems.append(f"{name}: expected {kind} from {low:g} to {high:g}, got {raw!r}")
        return default
    return value


def networks(env: Mapping[str, str], name: str, problems: list[str]) -> tuple[IPNetwork, ...]:
    """Comma separated IP addresses or CIDR networks, such as `127.0.0.1, 10.0.0.0/8, ::1`.

    Args:
        env: The environment.
        name: The variable.
        problems: Receives a line per entry that is not an address or network.

    Returns:
        The networks (an address is a network of one).
    """
    found: list[IPNetwork] = []
    for entry in (part.strip() for part in env.get(name, "").split(",")):
        if not entry:
            continue
        try:
            found.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            problems.append(f"{name}: {entry!r} is not an IP address or network such as 10.0.0.0/8")
    return tuple(found)


def is_http_url(value: str) -> bool:
    """Whether `value` is an absolute http(s) URL with a host and no query or fragment.

    Args:
        value: The text to check.

    Returns:
        True for URLs such as `https://clerk.example.com` or `http://127.0.0.1:8000/path`.
    """
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not parts.query and not parts.fragment


def is_origin(value: str) -> bool:
    """Whether `value` is an origin (`scheme://host[:port]`), as Clerk's `azp` claim carries.

    Args:
        value: The text to check, without a trailing slash.

    Returns:
        True for origins such as `https://app.example.com`.
    """
    return is_http_url(value) and urlsplit(value).path == ""


def origins(env: Mapping[str, str], name: str, problems: list[str]) -> tuple[str, ...]:
    """Comma separated origins, trimmed of spaces and a trailing slash.

    Args:
        env: The environment.
        name: The variable.
        problems: Receives a line per entry that is not an origin.

    Returns:
        The origins, in the order given.
    """
    found = tuple(part.strip().rstrip("/") for part in env.get(name, "").split(",") if part.strip())
    problems.extend(f"{name}: {party!r} is not an origin like https://app.example.com"
                    for party in found if not is_origin(party))
    return found
