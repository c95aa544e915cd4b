"""A tus body moved from the connection to the partial file inside the kernel.

Read the ordinary way, every byte of a request body passes through several Python
buffers (gunicorn's reader, werkzeug's stream, ours) before it is written. When
gunicorn serves the request, the body has a known length and no checksum needs the
bytes, the upload service takes the body from gunicorn instead: first the bytes
gunicorn has already read from the socket (read ahead with the headers), then the
rest with ``splice(2)``, socket to pipe to file, without copying it into Python at
all. gunicorn's reader is told the body has been consumed, so the connection stays
usable for the next request exactly as if gunicorn had read the body itself.

The socket has a read timeout (``VIDSTREAM_UPLOAD_READ_TIMEOUT``, set by the view),
which also makes it non-blocking, so a client that stalls mid-body is waited for
with ``select`` and dropped after that long instead of holding a thread, and its
upload, forever. Between taking bytes off the socket and writing them, the caller's
fence proves the upload is still this request's to write.

Anything unexpected (another WSGI server, a body partly read already, no ``splice``
on this system) leaves the ordinary path in charge.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import select
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vidstream.storage import disk_full_guard

# A pipe holds 64 KiB by default; ask for more so that each splice moves a large piece.
PIPE_BYTES = 1024 * 1024
# How long a stalled client may keep the transfer waiting before it counts as gone, when
# the socket has no read timeout of its own.
IDLE_SECONDS = 60.0
F_SETPIPE_SZ = 1031  # Linux fcntl command (not exported by Python's fcntl module)


class SocketBody:
    """The rest of one request body, taken over from gunicorn; see the module notes."""

    def __init__(self, sock: socket.socket, wsgi_input: Any, length: int) -> None:
        self.sock = sock
        self.input = wsgi_input
        self.left = length
        # gunicorn's read-ahead, taken over at the first transfer (None: not yet).
        self.held: bytes | None = None
        self._pipe: tuple[int, int] | None = None
        self._file: int | None = None
        self._position = 0

    def _take_buffered(self) -> bytes:
        """What gunicorn read ahead of the body, removed from its buffers."""
        body, reader = self.input, self.input.reader
        unreader = reader.unreader
        mine: bytes = body.buf.getvalue()
        ahead: bytes = unreader.buf.getvalue()
        from_ahead = ahead[: min(reader.length, len(ahead))]
        body.buf = io.BytesIO()
        unreader.buf = io.BytesIO()
        unreader.buf.write(ahead[len(from_ahead) :])  # a pipelined next request, if any
        reader.length -= len(from_ahead)
        return mine + from_ahead

    def send_to(self, target: Path, count: int, fence: Callable[[], None]) -> int:
        """Append up to ``count`` bytes of the body to ``target``; 0 once the client is gone.

        The file is written through a descriptor of this object's own at explicit
        offsets (splice cannot write to a file opened for appending); the caller holds
        the upload's lock, and ``fence`` (which raises once it does not) runs after the
        bytes are read and before they are written.
        """
        count = min(count, self.left)
        if count <= 0:
            return 0
        if self.held is None:
            self.held = self._take_buffered()
        if self._file is None:
            self._file = os.open(target, os.O_WRONLY | os.O_CLOEXEC)
            self._position = os.fstat(self._file).st_size
        with disk_full_guard("staging"):
            if self.held:
                piece, self.held = self.held[:count], self.held[count:]
                fence()
                moved = _write_at(self._file, piece, self._position)
            else:
                moved = self._splice(self._file, count, fence)
        self._position += moved
        self.left -= moved
        return moved

    def _splice(self, fd: int, count: int, fence: Callable[[], None]) -> int:
        read_end, write_end = self._pipe_ends()
        got = self._from_socket(write_end, count)
        # Off the socket now, whatever happens to them: gunicorn must not wait for them.
        self.input.reader.length -= got
        if got:
            fence()
        sent = 0
        while sent < got:
            sent += os.splice(read_end, fd, got - sent, offset_dst=self._position + sent)
        return got

    def _from_socket(self, write_end: int, count: int) -> int:
        while True:
            try:
                return os.splice(self.sock.fileno(), write_end, min(count, PIPE_BYTES))
            except BlockingIOError:
                idle = self.sock.gettimeout() or IDLE_SECONDS
                ready, _, _ = select.select([self.sock], [], [], idle)
                if not ready:
                    return 0
            except (ConnectionError, TimeoutError):
                return 0

    def _pipe_ends(self) -> tuple[int, int]:
        if self._pipe is None:
            read_end, write_end = os.pipe2(os.O_CLOEXEC)
            with contextlib.suppress(OSError):  # a smaller pipe only means smaller pieces
                fcntl.fcntl(write_end, F_SETPIPE_SZ, PIPE_BYTES)
            self._pipe = (read_end, write_end)
        return self._pipe

    def close(self) -> None:
        """Release the pipe and hand what was not taken back to gunicorn.

        gunicorn then discards the rest of the body before the next request (or closes
        the connection), as it does for any body an application did not read.
        """
        for fd in [*(self._pipe or ()), *([] if self._file is None else [self._file])]:
            os.close(fd)
        self._pipe = self._file = None
        if self.held:
            self.input.buf = io.BytesIO()
            self.input.buf.write(self.held)
            self.held = b""


def socket_body(environ: dict[str, Any], length: int) -> SocketBody | None:
    """The body of this request as a :class:`SocketBody`, or None to read it as usual."""
    sock = environ.get("gunicorn.socket")
    wsgi_input = environ.get("wsgi.input")
    reader = getattr(wsgi_input, "reader", None)
    if sock is None or not hasattr(os, "splice") or reader is None:
        return None
    unreader = getattr(reader, "unreader", None)
    buffered = getattr(wsgi_input, "buf", None)
    ahead = getattr(unreader, "buf", None)
    owed = getattr(reader, "length", None)
    if not (isinstance(buffered, io.BytesIO) and isinstance(ahead, io.BytesIO)):
        return None
    # Untouched so far: what the body buffered plus what the reader still owes is all of it.
    if not isinstance(owed, int) or len(buffered.getvalue()) + owed != length:
        return None
    if sock.gettimeout() is None:
        # A blocking socket would make splice wait for a stalled client forever.
        sock.settimeout(IDLE_SECONDS)
    return SocketBody(sock, wsgi_input, length)


def _write_at(fd: int, data: bytes, position: int) -> int:
    """Write all of ``data`` at ``position``; return its length."""
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, position)
        view, position = view[written:], position + written
    return len(data)
