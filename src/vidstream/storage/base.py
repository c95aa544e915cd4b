"""The storage contract every backend keeps.

Keys are relative, slash-separated and built by vidstream itself
(``videos/<public_id>/original.mp4``); no user-supplied text ever becomes part of one.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Protocol

_KEY = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$")


class StorageError(RuntimeError):
    """The backend could not complete an operation."""


class StorageFullError(StorageError):
    """The backend has no room left for the bytes."""


NO_ROOM = (errno.ENOSPC, errno.EDQUOT)


def is_disk_full(error: OSError) -> bool:
    """Whether ``error`` says the disk (or the user's disk quota) has no room left."""
    return error.errno in NO_ROOM


@contextmanager
def disk_full_guard(disk: str) -> Iterator[None]:
    """Turn a full disk inside the block into :class:`StorageFullError` naming ``disk``.

    The one place a write that ran out of room becomes the storage-full error the web
    services answer with 507; every other ``OSError`` passes through unchanged.
    """
    try:
        yield
    except OSError as exc:
        if is_disk_full(exc):
            raise StorageFullError(f"the {disk} disk is full") from exc
        raise


class ObjectNotFound(StorageError):
    """No object is stored under the key."""


def check_key(key: str) -> str:
    """Reject any key that could escape the storage root; return it unchanged otherwise."""
    if not _KEY.fullmatch(key) or ".." in key.split("/"):
        raise ValueError(f"invalid storage key {key!r}")
    return key


class Storage(Protocol):
    """Where video files live. Writes are atomic: readers see all of a file or none."""

    def put_file(self, key: str, source: Path) -> int:
        """Store the local file ``source`` under ``key`` durably; return its size."""
        ...

    def open(self, key: str) -> BinaryIO:
        """Open the object for reading (seekable); raise :class:`ObjectNotFound` if absent."""
        ...

    def size(self, key: str) -> int:
        """Size in bytes of the object; raise :class:`ObjectNotFound` if absent."""
        ...

    def exists(self, key: str) -> bool:
        """Whether an object is stored under ``key``."""
        ...

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object whose key starts with ``prefix``; return how many."""
        ...

    def list_keys(self, prefix: str = "") -> list[str]:
        """Every key that starts with ``prefix``, sorted."""
        ...

    def modified_at(self, key: str) -> float:
        """When the object was last written (POSIX time); raise :class:`ObjectNotFound`."""
        ...

    def local_path(self, key: str) -> Path | None:
        """The object's file on this machine, for tools that read files (ffmpeg); or None.

        None means the bytes are elsewhere: read them with :meth:`open`.
        """
        ...

    def download_url(self, key: str, *, content_type: str, expires: int) -> str | None:
        """A link a browser may fetch the object from directly, or None.

        A link is valid for ``expires`` seconds and answers with ``content_type``. None
        means the application must send the bytes itself.
        """
        ...

    def download_origin(self) -> str | None:
        """The origin (``scheme://host[:port]``) of :meth:`download_url` links, or None."""
        ...

    def check_ready(self) -> None:
        """Raise if the backend cannot serve requests now; the exception's class says why.

        Meant for readiness probes: one cheap call that gives up quickly.
        """
        ...
