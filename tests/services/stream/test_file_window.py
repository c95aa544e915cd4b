"""The range window under ``socket.sendfile``, as gunicorn drives it, including a client
that hung up before the first byte."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from vidstream.services.stream.ranges import FileWindow


def _window(path: Path, start: int, length: int) -> tuple[FileWindow, int]:
    fh = open(path, "rb")  # noqa: SIM115 - the window owns and closes it
    fh.seek(start)
    return FileWindow(fh, length), start


def test_sendfile_sends_exactly_the_window(tmp_path: Path) -> None:
    path = tmp_path / "file.bin"
    path.write_bytes(bytes(range(256)) * 64)
    window, offset = _window(path, 1000, 3000)
    sender, receiver = socket.socketpair()
    with sender, receiver:
        sent = sender.sendfile(window, offset=offset, count=3000)  # type: ignore[arg-type]
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
        sender.sendfile(window, offset=offset, count=50_000)  # type: ignore[arg-type]
    window.close()
