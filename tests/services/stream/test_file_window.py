"""The range window under ``socket.sendfile``, as gunicorn drives it, including a client
that hung up before the first byte."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from werkzeug.wsgi import FileWrapper

from vidstream.services.stream.ranges import FileWindow


def _window(path: Path, start: int, length: int) -> tuple[FileWindow, int]:
    fh = open(path, "rb")  # noqa: SIM115 - the window owns and closes it
    fh.seek(start)
    return FileWindow(fh, length), start


def test_reads_stop_at_the_end_of_the_window(tmp_path: Path) -> None:
    """The window alone keeps a reader (werkzeug's file wrapper, any WSGI server
    without sendfile) from reading past the range, whatever size it asks for."""
    path = tmp_path / "file.bin"
    path.write_bytes(bytes(range(256)) * 64)
    window, _ = _window(path, 1000, 3000)
    pieces = list(FileWrapper(window, 1024))  # type: ignore[arg-type]
    assert [len(piece) for piece in pieces] == [1024, 1024, 952]
    assert b"".join(pieces) == path.read_bytes()[1000:4000]
    assert window.read() == b""
    window.close()
    window, _ = _window(path, 1000, 3000)
    assert window.read() == path.read_bytes()[1000:4000]
    window.close()


def test_sendfile_starts_where_the_window_starts(tmp_path: Path) -> None:
    """gunicorn takes the offset from the descriptor's position and the count from
    Content-Length (the window's length); the window's descriptor must be at its start."""
    path = tmp_path / "file.bin"
    path.write_bytes(bytes(range(256)) * 64)
    window, _ = _window(path, 1000, 3000)
    offset = os.lseek(window.fileno(), 0, os.SEEK_CUR)  # as gunicorn finds it
    sender, receiver = socket.socketpair()
    with sender, receiver:
        sent = sender.sendfile(window, offset=offset, count=3000)
        sender.shutdown(socket.SHUT_WR)
        received = b"".join(iter(lambda: receiver.recv(65536), b""))
    window.close()
    assert sent == 3000
    assert received == path.read_bytes()[1000:4000]


def test_a_client_gone_before_the_first_byte_is_a_broken_pipe(tmp_path: Path) -> None:
    path = tmp_path / "file.bin"
    path.write_bytes(b"x" * 100_000)
    window, offset = _window(path, 5000, 50_000)
    sender, receiver = socket.socketpair()
    receiver.close()
    with sender, pytest.raises(BrokenPipeError):
        sender.sendfile(window, offset=offset, count=50_000)
    window.close()
