"""The embedded session store: one file per session, swept and bounded.

cachelib's FileSystemCache removes an expired file only when someone reads it, so
the sessions of visitors who never come back stay on disk for good. Here expired
files are swept at most once a minute, and the store holds at most ``limit`` files:
beyond that the ones nearest their end go first, which are anonymous visitors'
(they last an hour or two, a signed-in session days). Pruning takes the store well
below the limit, so the scan of the folder it needs runs once per many new sessions,
not for each one.

Reading a session is the largest cost a media request has left, so each process keeps
the sessions it read (as their stored bytes, unpickled for each reader) until any
process on the machine writes or deletes one: every write bumps a counter the
processes share (media_memo.py), kept beside the folder, not in it.
"""

from __future__ import annotations

import logging
import struct
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cachelib.base import BaseCache
from cachelib.file import FileSystemCache

from vidstream.media_memo import Memo, SharedCounter

SWEEP_SECONDS = 60.0
# Pruned down to this share of the limit, so the next prune is many sessions away.
PRUNE_TO = 0.9


class SessionFiles(FileSystemCache):
    """A FileSystemCache that sweeps expired sessions and keeps to ``limit`` files."""

    def __init__(
        self,
        directory: Path,
        limit: int,
        clock: Callable[[], float] = time.time,
        counter: Path | None = None,
    ) -> None:
        # Before cachelib's constructor, which already writes its count file.
        self._memo = Memo(SharedCounter(counter)) if counter is not None else None
        super().__init__(str(directory), threshold=limit, mode=0o600)
        self._clock = clock
        self._next_sweep = 0.0

    def get(self, key: str) -> Any:
        """The session stored under ``key``, or None (missing or past its end).

        As cachelib reads it, from this process's memo while no process has written
        since; each caller gets its own copy.
        """
        memo = self._memo
        if memo is None:
            return super().get(key)
        kept, generation = memo.read(key)
        if kept is None:
            kept = self._read(key)
            if kept is None:
                return None
            memo.put(key, kept, generation)
        end, data = kept
        if end != 0 and end < time.time():
            return None
        return self.serializer.loads(data)

    def _read(self, key: str) -> tuple[int, bytes] | None:
        """A stored entry's end and its pickled value; None when there is none."""
        filename = self._get_filename(key)
        try:
            with open(filename, "rb") as fh:
                head = fh.read(4)
                data = fh.read()
        except FileNotFoundError:
            return None
        except OSError:
            logging.warning("could not read session file %s", filename, exc_info=True)
            return None
        if len(head) != 4:
            return None
        return struct.unpack("I", head)[0], data

    def _changed(self) -> None:
        if self._memo is not None:
            self._memo.forget_all()

    def set(self, key: str, value: Any, timeout: Any = None, mgmt_element: bool = False) -> bool:
        """Store, then tell every process to forget the sessions it kept."""
        try:
            return bool(super().set(key, value, timeout, mgmt_element))
        finally:
            self._changed()

    def delete(self, key: str, mgmt_element: bool = False) -> bool:
        """Delete, then tell every process to forget the sessions it kept."""
        try:
            return bool(super().delete(key, mgmt_element))
        finally:
            self._changed()

    def clear(self) -> bool:
        """Delete every session, then tell every process so."""
        try:
            return bool(super().clear())
        finally:
            self._changed()

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
