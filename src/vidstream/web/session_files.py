"""The embedded session store: one file per session, swept and bounded.

cachelib's FileSystemCache removes an expired file only when someone reads it, so
the sessions of visitors who never come back stay on disk for good. Here expired
files are swept at most once a minute, and the store holds at most ``limit`` files:
beyond that the ones nearest their end go first, which are anonymous visitors'
(they last an hour or two, a signed-in session days). Pruning takes the store well
below the limit, so the scan of the folder it needs runs once per many new sessions,
not for each one.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cachelib.base import BaseCache
from cachelib.file import FileSystemCache

SWEEP_SECONDS = 60.0
# Pruned down to this share of the limit, so the next prune is many sessions away.
PRUNE_TO = 0.9


class SessionFiles(FileSystemCache):
    """A FileSystemCache that sweeps expired sessions and keeps to ``limit`` files."""

    def __init__(self, directory: Path, limit: int, clock: Callable[[], float] = time.time) -> None:
        super().__init__(str(directory), threshold=limit, mode=0o600)
        self._clock = clock
        self._next_sweep = 0.0

    def _normalize_timeout(self, timeout: Any) -> int:
        """An entry's end, on the same clock the sweep reads (else a sweep on a clock
        ahead of the wall clock, as in tests, removes what was just written)."""
        seconds = BaseCache._normalize_timeout(self, timeout)
        return int(self._clock()) + seconds if seconds != 0 else 0

    def _prune(self) -> None:
        """Before each write: sweep expired files now and then; cut down when over the limit."""
        now = self._clock()
        if now >= self._next_sweep or self._over_threshold():
            self._next_sweep = now + SWEEP_SECONDS
            self._remove_expired(now)
        if self._over_threshold():
            self._remove_soonest_ending()

    def _remove_soonest_ending(self) -> None:
        target = int(self._threshold * PRUNE_TO)
        ends = []
        for name in self._list_dir():
            try:
                with open(name, "rb") as fh:
                    ends.append((fh.read(4), name))
            except OSError:
                continue
        ends.sort(key=lambda pair: struct.unpack("I", pair[0])[0] if len(pair[0]) == 4 else 0)
        for _end, name in ends[: max(0, len(ends) - target)]:
            try:
                Path(name).unlink()
            except FileNotFoundError:
                continue
        self._update_count(value=len(list(self._list_dir())))
