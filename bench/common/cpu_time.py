"""CPU time a server's processes used, read from /proc, to put a cost on each request."""

from __future__ import annotations

import os
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def process_tree(leader: int) -> list[int]:
    """``leader`` and its children (gunicorn's or nginx's workers)."""
    try:
        children = Path(f"/proc/{leader}/task/{leader}/children").read_text().split()
    except OSError:
        return [leader]
    return [leader, *(int(child) for child in children)]


def cpu_seconds(leader: int) -> float:
    """User plus system CPU seconds of ``leader`` and its children so far."""
    total = 0
    for pid in process_tree(leader):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime and stime, in clock ticks
    return total / TICKS
