"""Per-address budgets: sockets, events a second and sign-ins a minute, each address on its own."""

from __future__ import annotations

import pytest

from smnb_app.net.budgets import AddressBudgets, BudgetLimits, address_key

LIMITS = BudgetLimits(sockets=3, event_rate=2.0, event_burst=4, sign_ins_per_minute=6)


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"),
        ("", ""),
        ("not an address", "not an address"),
    ],
)
def test_an_ipv6_client_is_counted_by_its_64_network(address: str, key: str) -> None:
    assert address_key(address) == key


def test_an_address_gets_its_sockets_and_one_more_after_one_closes() -> None:
    budgets = AddressBudgets(LIMITS)
    assert [budgets.open_socket("a") for _ in range(4)] == [True, True, True, False]
    assert budgets.open_socket("b")
    budgets.close_socket("a")
    assert budgets.open_sockets("a") == 2
    assert budgets.open_socket("a") and not budgets.open_socket("a")


def test_closing_more_than_was_opened_never_goes_below_zero() -> None:
    budgets = AddressBudgets(LIMITS)
    budgets.close_socket("a")
    budgets.close_socket("a")
    assert budgets.open_sockets("a") == 0
    assert [budgets.open_socket("a") for _ in range(4)] == [True, True, True, False]


def test_events_refill_at_the_address_rate_whatever_tab_sends_them() -> None:
    budgets = AddressBudgets(LIMITS)
    assert [budgets.take_event("a", 0.0) for _ in range(5)] == [True] * 4 + [False]
    assert budgets.take_event("b", 0.0)
    assert budgets.take_event("a", 0.5) and not budgets.take_event("a", 0.5)


def test_sign_ins_refill_per_minute() -> None:
    budgets = AddressBudgets(LIMITS)
    assert [budgets.take_sign_in("a", 0.0) for _ in range(7)] == [True] * 6 + [False]
    assert not budgets.take_sign_in("a", 9.0)
    assert budgets.take_sign_in("a", 10.0)


def test_a_flood_of_addresses_forgets_idle_ones_but_never_one_with_sockets() -> None:
    budgets = AddressBudgets(LIMITS, max_addresses=3)
    budgets.open_socket("held")
    for index in range(100):
        budgets.take_event(f"10.0.0.{index}", 0.0)
    assert len(budgets._addresses) <= 3
    assert budgets.open_sockets("held") == 1
