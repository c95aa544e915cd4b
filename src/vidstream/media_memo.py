"""A per-process memo of the byte path's facts, for one machine's embedded stores.

With Redis, ``media_index`` keeps a video's serving facts, a link's and an account's
session epoch there, and every change deletes the entry. Without Redis each media
request would read them from SQLite again, which costs more than everything else the
request does. So each process keeps what it read here instead, and every change that
would delete a Redis entry bumps a counter that all processes on the machine share:
eight bytes in a file in the data directory, mapped into each process's memory. A
process that sees the counter move forgets everything it kept before its next answer.

Only with SQLite, which by construction is one machine's database: with MariaDB and
no Redis, processes on other machines would never see the counter, so they keep
nothing. A change is always committed before the counter moves, and a fact read while
the counter moved is not kept, so no process keeps a fact older than the last bump.
A change written to the database past the app (a manual SQL update) bumps nothing, so,
as with Redis's entries, nothing is kept longer than ``max_age`` seconds either (the
settings' ``media_cache_seconds``, an hour).
"""

from __future__ import annotations

import fcntl
import mmap
import os
import struct
import threading
import time
from pathlib import Path
from typing import Any

COUNTER = struct.Struct("<Q")
# Entries one process keeps at most before it starts over (a video's facts are ~1 KiB).
LIMIT = 20_000


class SharedCounter:
    """A 64-bit counter in ``path`` that every process on this machine reads and bumps."""

    def __init__(self, path: Path) -> None:
        self.path = path
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if os.fstat(fd).st_size < COUNTER.size:
                os.ftruncate(fd, COUNTER.size)
            # A shared mapping: another process's bump is seen here without a system call.
            self._map = mmap.mmap(fd, COUNTER.size, mmap.MAP_SHARED, mmap.PROT_READ)
            # Unlocked by name: the mapping keeps a duplicate of the descriptor open,
            # so closing ours would not release the lock.
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def value(self) -> int:
        """The counter now."""
        value: int = COUNTER.unpack_from(self._map)[0]
        return value

    def bump(self) -> None:
        """Add one, under an exclusive lock so no two processes' bumps become one.

        The file is opened for each bump: a lock on a descriptor inherited across
        gunicorn's fork would be shared by the processes, not held by one.
        """
        fd = os.open(self.path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            (value,) = COUNTER.unpack(os.pread(fd, COUNTER.size, 0))
            os.pwrite(fd, COUNTER.pack(value + 1), 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


class Memo:
    """Facts this process read, good until the shared counter moves."""

    def __init__(self, counter: SharedCounter, max_age: float = 3600.0) -> None:
        self.counter = counter
        self.max_age = max_age
        self._seen = -1
        self._entries: dict[Any, tuple[Any, float]] = {}

    def generation(self) -> int:
        """The counter now; when it moved, everything kept is forgotten first."""
        now = self.counter.value()
        if now != self._seen:
            self._entries = {}
            self._seen = now
        return now

    def get(self, key: Any) -> Any:
        """The fact kept under ``key`` (None: none kept, or the counter moved)."""
        return self.read(key)[0]

    def read(self, key: Any) -> tuple[Any, int]:
        """The fact kept under ``key`` (or None) and the counter it was looked up at,
        which :meth:`put` needs for a fact read from the database instead."""
        generation = self.generation()
        kept = self._entries.get(key)
        if kept is None or time.monotonic() - kept[1] > self.max_age:
            return None, generation
        return kept[0], generation

    def put(self, key: Any, value: Any, generation: int) -> None:
        """Keep ``value``, read from the database after the counter was ``generation``.

        Not kept when the counter has moved since: the read may predate that change.
        """
        if generation != self.counter.value() or generation != self._seen:
            return
        if len(self._entries) >= LIMIT:
            self._entries = {}
        self._entries[key] = (value, time.monotonic())

    def forget_all(self) -> None:
        """Tell every process on the machine (this one too) to forget what it kept."""
        self.counter.bump()


_MEMOS: dict[Path, Memo] = {}
_CREATING = threading.Lock()


def memo_for(data_dir: Path, max_age: float) -> Memo:
    """The memo of the data directory ``data_dir`` (one counter file per data directory)."""
    memo = _MEMOS.get(data_dir)
    if memo is None:
        with _CREATING:
            memo = _MEMOS.get(data_dir)
            if memo is None:
                memo = Memo(SharedCounter(data_dir / "media-facts.generation"), max_age)
                _MEMOS[data_dir] = memo
    return memo
