"""HTTP Range requests: which bytes are asked for, and a window that sends only those.

:mod:`.delivery` opens the file, positions it at the first byte of the range and hands
it to the WSGI server's file wrapper inside a :class:`FileWindow` that stops at the
range's end. Under gunicorn this becomes one ``sendfile()`` from the current offset
for exactly Content-Length bytes; no byte before the offset is ever read.
"""

from __future__ import annotations

from typing import BinaryIO

from flask import request
from werkzeug.http import http_date, parse_range_header

from vidstream.web.errors import AppError


class FileWindow:
    """``length`` bytes of an open file starting at its current position."""

    def __init__(self, fh: BinaryIO, length: int) -> None:
        self._fh = fh
        self._left = length

    def read(self, size: int = -1) -> bytes:
        """Read at most ``size`` bytes without passing the window's end."""
        if self._left <= 0:
            return b""
        data = self._fh.read(self._left if size < 0 else min(size, self._left))
        self._left -= len(data)
        return data

    def fileno(self) -> int:
        """The descriptor, positioned at the window's start, for ``sendfile()``."""
        return self._fh.fileno()

    def seek(self, offset: int, whence: int = 0) -> int:
        """Position the underlying file (only ever at the window's start).

        When ``sendfile()`` fails before sending a byte, because the client has already
        gone, Python's ``socket.sendfile`` retries with seek, read and send; with this
        method that retry ends in the same broken-pipe error the server already treats
        as a client that went away, instead of an AttributeError logged as a crash.
        """
        return self._fh.seek(offset, whence)

    def close(self) -> None:
        """Close the underlying file."""
        self._fh.close()


class RangeNotSatisfiable(AppError):
    """416, with the Content-Range header RFC 9110 asks for."""

    def __init__(self, size: int, message: str) -> None:
        super().__init__(416, message)
        self.headers["Content-Range"] = f"bytes */{size}"


def _if_range_allows(etag: str, last_modified: float) -> bool:
    """False when If-Range names another version, so the whole file must be sent."""
    value = request.headers.get("If-Range")
    if value is None:
        return True
    value = value.strip()
    if value.startswith('"'):
        return value == f'"{etag}"'
    return request.headers.get("If-Range") == http_date(last_modified)


def requested_range(size: int, etag: str, last_modified: float) -> tuple[int, int] | None:
    """The single byte range asked for as (start, stop), or None for the whole file."""
    header = request.headers.get("Range")
    if header is None or not _if_range_allows(etag, last_modified):
        return None
    if not header.strip().lower().startswith("bytes="):
        return None
    parsed = parse_range_header(header)
    if parsed is None:
        raise RangeNotSatisfiable(size, f"The Range header {header[:100]!r} is not valid.")
    if len(parsed.ranges) != 1:
        raise RangeNotSatisfiable(size, "Only one byte range per request is supported.")
    window = _window(*parsed.ranges[0], size)
    if window is None:
        raise RangeNotSatisfiable(size, f"The requested range is outside the file ({size} bytes).")
    return window


def _window(start: int, stop: int | None, size: int) -> tuple[int, int] | None:
    """The part of a ``size``-byte file a parsed range selects, or None if it selects nothing.

    A suffix range (negative ``start``) longer than the file selects all of it (RFC 9110,
    14.1.3), where Werkzeug's ``range_for_length`` refuses it.
    """
    if stop is None:
        start, stop = (max(size + start, 0), size) if start < 0 else (start, size)
    if start >= size:
        return None
    return start, min(stop, size)


def not_modified(etag: str, last_modified: float) -> bool:
    """Whether the request's validators show the client already has this version."""
    if request.if_none_match:
        return request.if_none_match.contains(etag)
    since = request.if_modified_since
    return since is not None and int(last_modified) <= since.timestamp()
