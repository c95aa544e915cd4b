"""``kill -9`` of the stream service while a slow client is downloading.

The client reads a little and then waits, so most of the file is still to send when
the server dies. What arrived must be an exact prefix of the file (cut short, never
wrong), and a restarted server must serve the rest, and the whole, byte for byte.
(A graceful stop that finishes the download is tests/e2e/test_graceful_shutdown.py.)
"""

from __future__ import annotations

import hashlib
import http.client
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask

from tests.support.consistency import assert_consistent
from tests.support.restartable import RestartableServer, server_env, serving
from tests.support.servers import HOST
from tests.support.videos import add_raw_video
from vidstream.config import Settings
from vidstream.services.auth.logic import create_user
from vidstream.services.auth.tokens import create_token

pytestmark = pytest.mark.e2e

MIB = 1024 * 1024
SIZE = 32 * MIB
READ_BEFORE_KILL = 2 * MIB


@pytest.fixture
def stream_server(
    request: pytest.FixtureRequest, app: Flask, settings: Settings, tmp_path: Path
) -> Iterator[RestartableServer]:
    """``vidstream serve --service stream`` on this test's database and data dir."""
    with serving(request, server_env(settings), tmp_path / "logs", service="stream") as server:
        yield server


def _open_slow_download(port: int, path: str, bearer: str) -> http.client.HTTPResponse:
    """GET ``path`` over a socket with a small receive buffer, so the server must wait."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    sock.settimeout(30)
    sock.connect((HOST, port))
    head = f"GET {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\nAuthorization: Bearer {bearer}\r\n"
    sock.sendall(head.encode() + b"\r\n")
    response = http.client.HTTPResponse(sock)
    response.begin()
    return response


def _read_to_the_end(response: http.client.HTTPResponse) -> bytes:
    """Everything the response still delivers before its connection ends."""
    received = bytearray()
    while block := response.read(256 * 1024):
        received += block
    return bytes(received)


def test_kill_9_mid_download_cuts_the_body_short_and_a_restart_serves_it_again(
    app: Flask, settings: Settings, stream_server: RestartableServer, tmp_path: Path
) -> None:
    body = os.urandom(SIZE)
    source = tmp_path / "film.mp4"
    source.write_bytes(body)
    with app.app_context():
        owner = create_user("alice", "correct horse")
        _, bearer = create_token(owner.id, "download")
    public_id = add_raw_video(app, "alice", source)
    path = f"/media/{public_id}/original.mp4"

    download = _open_slow_download(stream_server.port, path, bearer)
    assert download.status == 200 and download.getheader("Content-Length") == str(SIZE)
    start = download.read(READ_BEFORE_KILL)
    stream_server.kill9()
    received = start + _read_to_the_end(download)
    download.close()
    assert READ_BEFORE_KILL <= len(received) < SIZE
    assert received == body[: len(received)]

    stream_server.start()
    auth = {"Authorization": f"Bearer {bearer}"}
    rest = requests.get(
        f"{stream_server.url}{path}",
        headers={**auth, "Range": f"bytes={len(received)}-"},
        timeout=60,
    )
    assert rest.status_code == 206
    assert rest.headers["Content-Range"] == f"bytes {len(received)}-{SIZE - 1}/{SIZE}"
    assert received + rest.content == body
    whole = requests.get(f"{stream_server.url}{path}", headers=auth, timeout=60)
    assert whole.status_code == 200
    assert hashlib.sha256(whole.content).digest() == hashlib.sha256(body).digest()
    assert_consistent(stream_server.env)
