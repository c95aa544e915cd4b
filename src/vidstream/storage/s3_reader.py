"""A seekable, read-only stream over one S3 object.

Reading goes on from one GET response; seeking elsewhere drops it and the next read
starts a ranged GET from the new position. Every ranged GET names the ETag the
first one saw (``If-Match``), so a reader never mixes the bytes of two versions of
an object that is overwritten while it is being read: it fails instead.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING

from botocore.response import StreamingBody

from vidstream.storage.base import StorageError
from vidstream.storage.s3_errors import BOTO_ERRORS, storage_error

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

# Opens the object at a byte offset: the body of a GET for "bytes=<offset>-".
FetchFrom = Callable[[int], StreamingBody]


class ObjectReader(io.RawIOBase):
    """``size`` bytes of the object ``key``, starting with an already open ``body``."""

    def __init__(self, key: str, size: int, body: StreamingBody, fetch_from: FetchFrom) -> None:
        super().__init__()
        self.key = key
        self.size = size
        self._body: StreamingBody | None = body
        self._fetch_from = fetch_from
        self._position = 0

    def readable(self) -> bool:
        """Always: this is a reader."""
        return True

    def seekable(self) -> bool:
        """Always: a seek costs nothing until the next read."""
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        """Fill ``buffer`` with the next bytes; 0 at the end of the object."""
        view = memoryview(buffer).cast("B")
        if self._position >= self.size or not len(view):
            return 0
        try:
            if self._body is None:
                self._body = self._fetch_from(self._position)
            data = self._body.read(len(view))
        except BOTO_ERRORS as error:
            raise storage_error(error, self.key, "read") from error
        if not data:
            raise StorageError(f"{self.key} ended at byte {self._position} of {self.size}")
        view[: len(data)] = data
        self._position += len(data)
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        """Move to ``offset``; the bytes there are fetched by the next read."""
        bases = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.size}
        if whence not in bases:
            raise ValueError(f"invalid whence {whence}")
        target = bases[whence] + offset
        if target < 0:
            raise ValueError(f"negative seek position {target}")
        if target != self._position:
            self._drop_body()
            self._position = target
        return self._position

    def tell(self) -> int:
        """The current position."""
        return self._position

    def close(self) -> None:
        """Let go of the open response, if any."""
        self._drop_body()
        super().close()

    def _drop_body(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None
