"""A rate-limit counter store in a SQLite file, for the embedded mode.

The limits library's memory store counts per process, so with several gunicorn
workers each would allow the full limit. This store keeps fixed-window counters in
one SQLite file in the data directory, shared by every process on the host. Each
thread keeps its own connection (threads never share one) and increments inside
``BEGIN IMMEDIATE``, so concurrent hits are serialised by SQLite's write lock.
Only the fixed-window strategy is supported, which is the one vidstream uses.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from limits.storage import Storage

SCHEME = "vidstream+sqlite"

_SELECT = "SELECT hits, expires FROM counters WHERE key = ?"
_SCHEMA = "CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, hits INTEGER, expires REAL)"


class SQLiteCounterStorage(Storage):
    """``vidstream+sqlite:///absolute/path/limits.db``."""

    STORAGE_SCHEME = [SCHEME]  # noqa: RUF012  (the limits library declares it a list)

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **_: Any) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self.path = (uri or "").removeprefix(f"{SCHEME}://")
        self._local = threading.local()
        with self._transaction() as conn:
            conn.execute(_SCHEMA)

    @property
    def base_exceptions(self) -> type[Exception]:
        """Errors that mean the store itself failed."""
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection (sqlite3 connections must not be shared by threads)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        # A connection inherited across fork (an app built before gunicorn forks) is
        # never used by the child.
        if conn is None or self._local.pid != os.getpid():
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            # Counters may lose their last moments in a power cut; no fsync per hit.
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _row(self, key: str) -> tuple[int, float] | None:
        row = self._connection().execute(_SELECT, (key,)).fetchone()
        if row is None or row[1] <= time.time():
            return None
        return int(row[0]), float(row[1])

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add ``amount`` to the window's counter, starting a new window if it expired."""
        now = time.time()
        with self._transaction() as conn:
            row = conn.execute(_SELECT, (key,)).fetchone()
            if row is None or row[1] <= now:
                hits, expires = amount, now + expiry
            else:
                hits, expires = int(row[0]) + amount, float(row[1])
            conn.execute(
                "INSERT OR REPLACE INTO counters (key, hits, expires) VALUES (?, ?, ?)",
                (key, hits, expires),
            )
            if hits == amount:
                # A new window is a good moment to drop windows that have ended.
                conn.execute("DELETE FROM counters WHERE expires <= ?", (now,))
        return hits

    def get(self, key: str) -> int:
        """The current window's count (0 when there is none)."""
        row = self._row(key)
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        """When the current window ends (now when there is none)."""
        row = self._row(key)
        return row[1] if row else time.time()

    def check(self) -> bool:
        """Whether the file can be read."""
        try:
            self._row("")
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        """Drop every counter."""
        with self._transaction() as conn:
            return conn.execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        """Drop one counter."""
        with self._transaction() as conn:
            conn.execute("DELETE FROM counters WHERE key = ?", (key,))
