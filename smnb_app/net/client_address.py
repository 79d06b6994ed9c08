"""Who is asking: the client's IP address, through trusted reverse proxies only."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from smnb_app.config.values import IPNetwork

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# Longer than any IPv6 text; an unparseable hop is kept (truncated) so the audit trail shows it.
_MAX_ADDRESS_TEXT = 64


def parse_address(text: str | None) -> IPAddress | None:
    """An IP address from a peer or a forwarded-for hop, tolerating brackets and a port.

    Args:
        text: E.g. `203.0.113.7`, `203.0.113.7:5100`, `::1` or `[2001:db8::1]:443`.

    Returns:
        The address, IPv4-mapped IPv6 addresses as IPv4; None when it is not one.
    """
    if not text:
        return None
    text = text.strip()
    if text.startswith("["):
        if "]" not in text:
            return None
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


# Headers by which a proxy says whom it relays for: from a peer that is not trusted, a sign that a
# proxy (a tunnel, a local web server) relays the request without being trusted.
FORWARDING_HEADERS = (
    "x-forwarded-for",
    "forwarded",
    "x-real-ip",
    "x-forwarded-host",
    "cf-connecting-ip",
    "true-client-ip",
)


def _trusted(address: IPAddress | None, proxies: Sequence[IPNetwork]) -> bool:
    return address is not None and any(address in network for network in proxies)


def is_trusted_proxy(peer: str | None, proxies: Sequence[IPNetwork]) -> bool:
    """Whether the direct peer is one of `SMNB_TRUSTED_PROXIES`.

    Args:
        peer: The direct peer's address.
        proxies: The trusted proxies.

    Returns:
        True when its forwarding headers may be believed.
    """
    return _trusted(parse_address(peer), proxies)


def client_address(peer: str | None, forwarded_for: str | None, proxies: Sequence[IPNetwork]) -> str:
    """The client's address: the direct peer, unless that peer is a trusted proxy.

    Behind trusted proxies, `X-Forwarded-For` is read from the right (each proxy appends the
    address it saw) and the first hop that is not itself a trusted proxy is the client. A
    header from an untrusted peer is ignored: anyone can write one. When the chain holds only
    trusted proxies, or is missing, the client is unknown: a relay that adds no header of its
    own (ssh -R, socat, a TCP-mode load balancer) in front of a trusted proxy must not pass for
    that proxy, nor for the loopback address the proxy may have written.

    Args:
        peer: The direct peer's address (the ASGI scope's client).
        forwarded_for: The `X-Forwarded-For` header, if any.
        proxies: `SMNB_TRUSTED_PROXIES`.

    Returns:
        The address as text, normalized when it parses; "" when it is unknown.
    """
    address = parse_address(peer)
    if not _trusted(address, proxies):
        return str(address) if address is not None else (peer or "")[:_MAX_ADDRESS_TEXT]
    hops = [hop.strip() for hop in (forwarded_for or "").split(",") if hop.strip()]
    for hop in reversed(hops):
        hop_address = parse_address(hop)
        if not _trusted(hop_address, proxies):
            return str(hop_address) if hop_address is not None else hop[:_MAX_ADDRESS_TEXT]
    return ""


def is_loopback_host(host: str | None) -> bool:
    """Whether an HTTP `Host` header names this machine (localhost, 127.0.0.0/8, [::1]).

    Args:
        host: The header, with or without a port.

    Returns:
        True for loopback names only.
    """
    if not host:
        return False
    name = host.strip().lower()
    if name.startswith("["):
        name = name[1:].split("]", 1)[0]
    elif name.count(":") == 1:
        name = name.split(":", 1)[0]
    return name == "localhost" or name.endswith(".localhost") or is_loopback(name)


def is_loopback(address: str) -> bool:
    """Whether an address (as `client_address` returns it) is on this machine (127.0.0.0/8, ::1).

    Args:
        address: The client's address.

    Returns:
        True only for loopback addresses; anything unparseable is not.
    """
    parsed = parse_address(address)
    return parsed is not None and parsed.is_loopback
