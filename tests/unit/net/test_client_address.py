"""The client's address: the direct peer, or X-Forwarded-For read through trusted proxies only."""

from __future__ import annotations

import pytest

from smnb_app.config.values import networks
from smnb_app.net.client_address import client_address, is_loopback, parse_address

PROXIES = networks({"P": "10.0.0.0/8, 127.0.0.1"}, "P", [])


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("203.0.113.7", None, "203.0.113.7"),
        ("203.0.113.7", "127.0.0.1", "203.0.113.7"),
        ("10.1.1.1", "198.51.100.4", "198.51.100.4"),
        ("10.1.1.1", "127.0.0.1, 198.51.100.4", "198.51.100.4"),
        ("10.1.1.1", "198.51.100.4, 10.2.2.2", "198.51.100.4"),
        ("127.0.0.1", "1.2.3.4, 5.6.7.8, 10.9.9.9", "5.6.7.8"),
        ("10.1.1.1", "not-an-ip", "not-an-ip"),
        ("10.1.1.1", "[2001:db8::1]:443", "2001:db8::1"),
        ("10.1.1.1", "198.51.100.4:5100", "198.51.100.4"),
        ("::ffff:10.1.1.1", "198.51.100.4", "198.51.100.4"),
        (None, "198.51.100.4", ""),
        ("unix-socket", None, "unix-socket"),
    ],
)
def test_forwarded_for_counts_only_behind_trusted_proxies(peer, forwarded, expected) -> None:
    assert client_address(peer, forwarded, PROXIES) == expected


def test_without_trusted_proxies_the_header_is_always_ignored() -> None:
    assert client_address("127.0.0.1", "198.51.100.4", ()) == "127.0.0.1"


@pytest.mark.parametrize(
    ("peer", "forwarded"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("127.0.0.1", None),
        ("127.0.0.1", ""),
        ("127.0.0.1", "  ,  "),
        ("::ffff:127.0.0.1", "127.0.0.1, 127.0.0.1"),
        ("10.1.1.1", None),
        ("10.1.1.1", "10.3.3.3, 127.0.0.1"),
        ("10.1.1.1", "[::ffff:10.3.3.3]:443, 10.2.2.2"),
    ],
)
def test_a_chain_of_trusted_proxies_only_is_unknown_never_the_proxy_nor_loopback(peer, forwarded) -> None:
    # A relay that adds no header (ssh -R, socat) in front of a trusted proxy looks exactly like this.
    address = client_address(peer, forwarded, PROXIES)
    assert address == ""
    assert not is_loopback(address)


def test_behind_a_proxy_on_its_own_loopback_address_a_local_browser_stays_local() -> None:
    proxy_bind = networks({"P": "127.0.0.2/32"}, "P", [])
    assert client_address("127.0.0.2", "127.0.0.1", proxy_bind) == "127.0.0.1"
    assert client_address("127.0.0.2", "198.51.100.4, 127.0.0.1", proxy_bind) == "127.0.0.1"
    assert client_address("127.0.0.2", None, proxy_bind) == ""
    assert client_address("127.0.0.1", "198.51.100.4", proxy_bind) == "127.0.0.1"


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.255.0.9", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("10.0.0.1", False),
        ("0.0.0.0", False),
        ("localhost", False),
        ("", False),
        ("::2", False),
    ],
)
def test_loopback_is_127_slash_8_and_ipv6_one_only(address: str, loopback: bool) -> None:
    assert is_loopback(address) is loopback


def test_unparseable_addresses_are_none() -> None:
    assert [parse_address(text) for text in (None, "", "x", "1.2.3", "[::1")] == [None, None, None, None, None]
