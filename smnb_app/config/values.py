"""Readers of single environment values for `smnb_app.config.settings`: each appends one line per problem.

Every value is trimmed of the ASCII blanks (spaces, tabs, line ends) that env files leave around
it; any other blank counts as part of the value. Numbers are ASCII digits with an optional
leading minus and, where a fraction is allowed, one decimal point (`2.5`, `.5`): exponents
(`1e3`), a plus sign, underscores (`1_0`), other scripts' digits (`٨٠`, `５０`), `nan` and `inf`
are refused. A problem line quotes the refused value through `shown`: cut short, escaped, and
without a password.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from urllib.parse import SplitResult, urlsplit

from smnb_app.config.echo import shown

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_BLANKS = " \t\r\n"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}
_INTEGER = re.compile(r"-?[0-9]+")
_DECIMAL = re.compile(r"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
# Far above every bound; int() refuses (and slows down on) texts of thousands of digits.
_MAX_DIGITS = 30
_PORT = re.compile(r"[0-9]{1,5}")
_AUTHORITY = re.compile(r"(?:[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*|\[(?P<ipv6>[0-9A-Fa-f:.]+)\])(?::(?P<port>[^:]*))?")


def text(env: Mapping[str, str], name: str) -> str:
    """The variable's value without surrounding ASCII blanks; empty when unset.

    Args:
        env: The environment.
        name: The variable.

    Returns:
        The trimmed value.
    """
    return env.get(name, "").strip(_BLANKS)


def is_port(value: str) -> bool:
    """Whether `value` is a TCP port written in ASCII digits, 1 to 65535.

    Args:
        value: The text to check.

    Returns:
        True for `5432`, False for `0`, `65536`, `+80`, `٨٠` or an empty text.
    """
    return bool(_PORT.fullmatch(value)) and 1 <= int(value) <= 65535


def _more(refused: list[str]) -> str:
    """The tail of a line that names the first of several refused entries, e.g. ` (and 2 more)`."""
    return f" (and {len(refused) - 1} more)" if len(refused) > 1 else ""


def flag(env: Mapping[str, str], name: str, problems: list[str]) -> bool:
    """A boolean variable: 1/true/yes/on or 0/false/no/off (empty is false).

    Args:
        env: The environment.
        name: The variable.
        problems: Receives a line when the value is neither.

    Returns:
        The value; False when it is bad.
    """
    raw = text(env, name).lower()
    if raw in _TRUE:
        return True
    if raw not in _FALSE:
        problems.append(f"{name}: expected 1 or 0, got {shown(env[name])}")
    return False


def number(
    env: Mapping[str, str],
    name: str,
    default: float,
    bounds: tuple[float, float],
    problems: list[str],
    *,
    integer: bool = False,
) -> float:
    """A number within inclusive bounds, in ASCII digits (see the module's docstring); empty means the default.

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
    raw = text(env, name)
    if not raw:
        return default
    low, high = bounds
    value = _parse_number(raw, integer=integer)
    if value is None or not low <= value <= high:
        kind = "a whole number" if integer else "a number"
        problems.append(f"{name}: expected {kind} from {low:g} to {high:g}, got {shown(raw)}")
        return default
    return value


def _parse_number(raw: str, *, integer: bool) -> float | None:
    if integer:
        return int(raw) if _INTEGER.fullmatch(raw) and len(raw) <= _MAX_DIGITS else None
    return float(raw) if _DECIMAL.fullmatch(raw) else None


def networks(env: Mapping[str, str], name: str, problems: list[str]) -> tuple[IPNetwork, ...]:
    """Comma separated IP addresses or CIDR networks, such as `127.0.0.1, 10.0.0.0/8, ::1`.

    A network of prefix length 0 (`0.0.0.0/0`, `::/0`) is refused: it would trust every address.

    Args:
        env: The environment.
        name: The variable.
        problems: Receives a line naming the first entry that is not an address or network, and
            one naming the first that covers every address.

    Returns:
        The networks (an address is a network of one).
    """
    found: list[IPNetwork] = []
    refused: list[str] = []
    everyone: list[str] = []
    for entry in (part.strip(_BLANKS) for part in text(env, name).split(",")):
        if not entry:
            continue
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            refused.append(entry)
            continue
        if network.prefixlen == 0:
            everyone.append(entry)
        else:
            found.append(network)
    if refused:
        problems.append(
            f"{name}: {shown(refused[0])} is not an IP address or network such as 10.0.0.0/8{_more(refused)}"
        )
    if everyone:
        problems.append(
            f"{name}: {shown(everyone[0])} would trust every address; list the proxies' own addresses or networks"
        )
    return tuple(found)


def _http_parts(value: str) -> SplitResult | None:
    """`value` split, when it is an absolute http(s) URL that a header can carry as it is."""
    if not value.isascii() or not value.isprintable() or " " in value or "?" in value or "#" in value:
        return None
    try:
        parts = urlsplit(value)
    except ValueError:  # an unclosed `[`
        return None
    authority = _AUTHORITY.fullmatch(parts.netloc)
    if parts.scheme not in ("http", "https") or authority is None:
        return None
    if authority["port"] is not None and not is_port(authority["port"]):
        return None
    if authority["ipv6"] is not None:
        try:
            ipaddress.IPv6Address(authority["ipv6"])
        except ValueError:
            return None
    return parts


def is_http_url(value: str) -> bool:
    """Whether `value` is an absolute http(s) URL with a host, and no userinfo, query or fragment.

    Only printable ASCII without spaces is accepted (write an international host in its `xn--`
    form): these URLs go into response headers as they are. A port must be 1 to 65535.

    Args:
        value: The text to check.

    Returns:
        True for URLs such as `https://clerk.example.com` or `http://127.0.0.1:8000/path`.
    """
    return _http_parts(value) is not None


def is_origin(value: str) -> bool:
    """Whether `value` is an origin (`scheme://host[:port]`), as Clerk's `azp` claim carries.

    Args:
        value: The text to check, without a trailing slash.

    Returns:
        True for origins such as `https://app.example.com`.
    """
    parts = _http_parts(value)
    return parts is not None and parts.path == ""


def http_url(env: Mapping[str, str], name: str, problems: list[str], *, example: str) -> str | None:
    """An http(s) URL (see `is_http_url`), without its trailing slash.

    Args:
        env: The environment.
        name: The variable.
        problems: Receives a line when the value is not such a URL.
        example: A URL of the expected kind, for the line.

    Returns:
        The URL, or None when the variable is empty or unset.
    """
    value = text(env, name)
    if value and not is_http_url(value):
        problems.append(f"{name}: expected an http(s) URL such as {example}, got {shown(value)}")
    return value.rstrip("/") or None


def origins(env: Mapping[str, str], name: str, problems: list[str]) -> tuple[str, ...]:
    """Comma separated origins, trimmed of blanks and a trailing slash; never raises.

    Args:
        env: The environment.
        name: The variable.
        problems: Receives a line naming the first entry that is not an origin.

    Returns:
        The origins, in the order given (the refused ones included).
    """
    found = tuple(part.strip(_BLANKS).rstrip("/") for part in text(env, name).split(",") if part.strip(_BLANKS))
    refused = [party for party in found if not is_origin(party)]
    if refused:
        problems.append(f"{name}: {shown(refused[0])} is not an origin like https://app.example.com{_more(refused)}")
    return found
