"""The per-address budgets the benchmarks raise for their own runs: all their tabs come from one address.

The app's defaults (20 sockets, 2 new sockets a second after a burst of 40, 60 events a second,
60 sign-ins a minute per address) are for people; a benchmark opening hundreds of tabs from
127.0.0.1 would measure the budgets instead of the app. `bench/abuse.py` keeps the defaults: it
measures them.
"""

from __future__ import annotations

RAISED_BUDGETS = {
    "SMNB_MAX_SOCKETS_PER_ADDRESS": "1000000",
    "SMNB_ADDRESS_CONNECTS_PER_S": "1000000",
    "SMNB_ADDRESS_EVENT_RATE": "1000000",
    "SMNB_ADDRESS_EVENT_BURST": "10000000",
    "SMNB_ADDRESS_SIGN_INS_PER_MINUTE": "1000000",
}


def raised_budgets(bench: str) -> dict[str, str]:
    """The raised budgets, after saying so on the bench's output.

    Args:
        bench: The benchmark's name, for the line.

    Returns:
        The environment variables to start the app with.
    """
    print(
        f"{bench}: the app's per-address budgets are raised for this run (all its tabs share 127.0.0.1): "
        + " ".join(f"{name}={value}" for name, value in RAISED_BUDGETS.items()),
        flush=True,
    )
    return dict(RAISED_BUDGETS)
