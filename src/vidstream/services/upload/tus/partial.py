"""The bytes of an unfinished tus upload: one partial file per upload, one writer at a time.

A partial file lives under the staging directory, named by the upload's public id
(never by the uploader's file name). Bytes are appended with ``O_APPEND`` and fsynced
before the database offset moves, so the recorded offset never runs ahead of the disk;
after a crash mid-chunk the file may be longer than the recorded offset, and the next
writer cuts it back.

A writer holds a per-upload lock: a Redis lock (``SET NX PX``, via redis-py's ``Lock``)
when Redis is configured, so it holds across every upload process sharing the staging
storage, else an ``flock`` on the partial file itself, which the kernel drops when a
process dies. A Redis lock can expire under a writer whose client stalled, so the
writer calls :attr:`Partial.fence` after every read of the body and before every write
(and before recording an offset): a writer that no longer holds the lock stops with
423 before it touches the file (docs/security.md, "A stale tus writer").
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import redis
from redis.exceptions import LockError
from werkzeug.exceptions import ClientDisconnected

from vidstream import current
from vidstream.config import Settings
from vidstream.services.upload.tus.socket_body import SocketBody
from vidstream.storage import disk_full_guard
from vidstream.web.errors import AppError

log = logging.getLogger(__name__)

READ_BYTES = 1024 * 1024
# Bytes between two durable checkpoints while one request body streams in.
CHECKPOINT_BYTES = 16 * 1024 * 1024

BUSY = "Another request is writing to this upload right now; try again in a moment."
LOST = (
    "This request waited too long for its body and lost its hold on the upload; "
    "ask the server for the upload's offset and send the rest again."
)


def partial_dir(settings: Settings) -> Path:
    """Where partial files live (a folder the form upload's staging sweep never touches)."""
    path = settings.tus_dir
    path.mkdir(parents=True, exist_ok=True)
    return path


def partial_path(settings: Settings, public_id: str) -> Path:
    """The partial file of one upload."""
    return partial_dir(settings) / public_id


def partial_size(settings: Settings, public_id: str) -> int:
    """Bytes in the partial file (0 if it does not exist yet)."""
    try:
        return partial_path(settings, public_id).stat().st_size
    except FileNotFoundError:
        return 0


class BodyStream(Protocol):
    """A request body read into a caller's buffer (werkzeug's ``request.stream`` is one)."""

    def readinto(self, buffer: memoryview, /) -> int | None:
        """Fill ``buffer`` with up to its length in bytes; return how many (0 at the end)."""
        ...


@dataclass
class Partial:
    """An open, locked partial file; ``fence`` must pass before every write to it."""

    path: Path
    fd: int
    fence: Callable[[], None] = field(default=lambda: None)

    def size(self) -> int:
        """Bytes in the file now."""
        return os.fstat(self.fd).st_size

    def cut_to(self, offset: int) -> None:
        """Drop every byte after ``offset`` (bytes of a chunk that was never recorded)."""
        if self.size() > offset:
            os.ftruncate(self.fd, offset)
            os.fsync(self.fd)

    def sync(self) -> None:
        """Make every appended byte durable."""
        os.fsync(self.fd)


class _RedisFence:
    """Proves that this request still holds the upload's Redis lock, extending it when due.

    The lock was set (or last extended) to expire ``ttl`` seconds after ``confirmed``
    (taken just before asking Redis), so while less than a third of that has passed it
    is certainly still ours and Redis is not asked. Past that, redis-py's ``reacquire``
    compares the lock's token with ours and extends it in one atomic script: a request
    whose lock expired while its client stalled, and which another request may have
    taken over since, learns it here and writes nothing more. Checkpoints call it from
    their helper thread too, hence the mutex and a lock token shared across threads.
    """

    def __init__(self, lock: Any, ttl: float, confirmed: float) -> None:
        self.lock = lock
        self.every = ttl / 3
        self.confirmed = confirmed
        self._mutex = threading.Lock()

    def __call__(self) -> None:
        with self._mutex:
            if time.monotonic() - self.confirmed < self.every:
                return
            asked = time.monotonic()
            try:
                self.lock.reacquire()
            except LockError:
                raise AppError(423, LOST, code="lock_lost") from None
            self.confirmed = asked


@contextmanager
def locked_partial(public_id: str) -> Iterator[Partial]:
    """Open the upload's partial file holding its lock; 423 if another writer holds it."""
    settings = current.settings()
    client = current.redis()
    path = partial_path(settings, public_id)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
    try:
        if client is None:
            with _flocked(fd):
                yield Partial(path, fd)
        else:
            ttl = settings.upload_lock_seconds
            name = f"{settings.redis_prefix}tus-lock:{public_id}"
            asked = time.monotonic()
            with _redis_locked(client, name, ttl) as lock:
                yield Partial(path, fd, _RedisFence(lock, ttl, asked))
    finally:
        os.close(fd)


@contextmanager
def _flocked(fd: int) -> Iterator[None]:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise AppError(423, BUSY) from None
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


@contextmanager
def _redis_locked(client: redis.Redis, name: str, ttl: int) -> Iterator[Any]:
    # Not thread-local: the checkpoint thread checks the same token as the request's.
    lock = client.lock(name, timeout=ttl, blocking=False, thread_local=False)
    if not lock.acquire():
        raise AppError(423, BUSY)
    try:
        yield lock
    finally:
        try:
            lock.release()
        except LockError:
            log.warning("upload lock %s had expired before release", name)


class _Checkpoints:
    """Makes progress durable on a helper thread while the body keeps streaming in.

    A checkpoint fsyncs the file and then calls ``record(appended)``, in that order, so
    the recorded offset never runs ahead of the disk. It runs on one background thread
    while the request thread goes on receiving; the next checkpoint first waits for the
    previous one, so at most one is in flight and they are recorded in order. An error
    in a checkpoint is raised in the request thread at the next checkpoint or at close.
    """

    def __init__(self, partial: Partial, record: Callable[[int], None]) -> None:
        self.partial = partial
        self.record = record
        self._pool: ThreadPoolExecutor | None = None
        self._pending: Future[None] | None = None

    def submit(self, appended: int) -> None:
        """Start making the first ``appended`` bytes durable and recorded."""
        self.wait()
        if self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tus-checkpoint")
        self._pending = self._pool.submit(self._durable, appended)

    def _durable(self, appended: int) -> None:
        self.partial.sync()
        self.partial.fence()
        self.record(appended)

    def wait(self) -> None:
        """Block until the checkpoint in flight (if any) is recorded; raise its error."""
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def close(self) -> None:
        """Wait for the last checkpoint and stop the helper thread."""
        try:
            self.wait()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)


def append_body(
    partial: Partial,
    body: BodyStream | SocketBody,
    length: int,
    checkpoint: Callable[[int], None] | None,
    hasher: Any = None,
) -> tuple[int, bool]:
    """Append up to ``length`` bytes of ``body``; return (bytes appended, body complete).

    Every :data:`CHECKPOINT_BYTES` the file is fsynced and ``checkpoint(appended)`` is
    called (on a helper thread, overlapping with the next bytes arriving) so the caller
    can record the new offset; pass None when nothing may be recorded before the whole
    body is checked. Every checkpoint has been recorded when this returns. A client that
    disconnects mid-body ends the loop early, keeping what arrived.
    """
    if hasher is not None and isinstance(body, SocketBody):
        raise ValueError("a checksum needs the bytes: read the body the ordinary way")
    checkpoints = _Checkpoints(partial, checkpoint) if checkpoint is not None else None
    try:
        return _stream_body(partial, body, length, checkpoints, hasher)
    finally:
        try:
            if checkpoints is not None:
                checkpoints.close()
        finally:
            if isinstance(body, SocketBody):
                body.close()


def _stream_body(
    partial: Partial,
    body: BodyStream | SocketBody,
    length: int,
    checkpoints: _Checkpoints | None,
    hasher: Any,
) -> tuple[int, bool]:
    appended = 0
    # Checkpoints fall on exact multiples of CHECKPOINT_BYTES into the body: no read
    # crosses one, however the bytes arrive.
    next_checkpoint = CHECKPOINT_BYTES if checkpoints is not None else length
    # One buffer for the whole body: no fresh allocation (and page faults) per read.
    buffer = memoryview(bytearray(READ_BYTES))
    while appended < length:
        want = min(READ_BYTES, length - appended, next_checkpoint - appended)
        if isinstance(body, SocketBody):
            got = body.send_to(partial.path, want, partial.fence)
        else:
            got = _read_and_write(body, partial, buffer[:want], hasher)
        if not got:
            return appended, False
        appended += got
        if checkpoints is not None and appended == next_checkpoint:
            checkpoints.submit(appended)
            next_checkpoint = appended + CHECKPOINT_BYTES
    return appended, True


def _read_and_write(body: BodyStream, partial: Partial, buffer: memoryview, hasher: Any) -> int:
    """Read one piece of the body into ``buffer`` and append it; 0 once the client is gone.

    A read that outlives the socket's timeout counts as the client gone (``OSError``).
    """
    try:
        got = body.readinto(buffer) or 0
    except (ClientDisconnected, OSError):
        return 0
    if not got:
        return 0
    partial.fence()
    data = buffer[:got]
    _write_all(partial.fd, data)
    if hasher is not None:
        hasher.update(data)
    return got


def _write_all(fd: int, data: memoryview) -> None:
    view = data
    with disk_full_guard("staging"):
        while view:
            view = view[os.write(fd, view) :]
