"""Memory and CPU time of a server and every process it started (its process group), from /proc."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
TICKS_PER_S = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Usage:
    """What a process group holds and has used."""

    rss_bytes: int
    cpu_s: float


def group_usage(pgid: int) -> Usage:
    """The summed resident memory and CPU time (user + system) of the processes in a group.

    Args:
        pgid: The group's id (the server's pid when it was started in a new session).

    Returns:
        The sums over every live process of the group.
    """
    rss = 0
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name may hold spaces and parentheses: the fields follow the last ")".
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[2]) != pgid:
            continue
        ticks += int(fields[11]) + int(fields[12])
        rss += int(fields[21]) * PAGE_BYTES
    return Usage(rss_bytes=rss, cpu_s=ticks / TICKS_PER_S)
