"""Resumable uploads survive ``kill -9``: tuspy and ``vidstream upload`` against real gunicorn.

The upload service runs as ``vidstream serve --service upload``. A relay between
client and server holds a request body part-way, so the server is killed at a known
point in the middle of a chunk; it is then started again and the same clients finish
the upload. The stored original must hash like the source and play.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import av
import pytest
import requests
from flask import Flask
from sqlalchemy import select
from tusclient.client import TusClient
from tusclient.exceptions import TusCommunicationError

from tests.support.consistency import assert_consistent
from tests.support.media import make_large_mp4
from tests.support.proxy import PausingProxy
from tests.support.servers import (
    HOST,
    ServerProcess,
    free_ports,
    show_logs_on_failure,
    start_vidstream,
    vidstream_executable,
    wait_for_url,
)
from vidstream import current
from vidstream.config import Settings
from vidstream.extensions import db
from vidstream.models import Upload
from vidstream.services.auth.logic import create_user
from vidstream.services.auth.tokens import create_token
from vidstream.services.upload.tus.partial import CHECKPOINT_BYTES, partial_path

pytestmark = pytest.mark.e2e

MIB = 1024 * 1024
V = {"Tus-Resumable": "1.0.0"}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(4 * MIB):
            digest.update(block)
    return digest.hexdigest()


class UploadServer:
    """``vidstream serve --service upload`` on a fixed port, killable and restartable."""

    def __init__(self, settings: Settings, log_dir: Path) -> None:
        self.port = free_ports(1)[0]
        self.log_dir = log_dir
        self.env = {
            "VIDSTREAM_DATA_DIR": str(settings.data_dir),
            "VIDSTREAM_DATABASE_URL": settings.database_url,
            "VIDSTREAM_SECRET_KEY": settings.secret_key,
            "VIDSTREAM_UPLOAD_LOCK_SECONDS": "3",
            "VIDSTREAM_WORKERS": "1",
            "VIDSTREAM_THREADS": "4",
        }
        if settings.redis_url:
            self.env |= {
                "VIDSTREAM_REDIS_URL": settings.redis_url,
                "VIDSTREAM_REDIS_PREFIX": settings.redis_prefix,
            }
        self.runs: list[ServerProcess] = []

    def start(self) -> None:
        """Start a fresh process on the same port; return once it answers."""
        server = start_vidstream("upload", self.port, self.env, self.log_dir / str(len(self.runs)))
        self.runs.append(server)
        wait_for_url(server, "/upload")

    def kill9(self) -> None:
        """SIGKILL the whole process group: gunicorn's master and its worker, mid-request."""
        popen = self.runs[-1].popen
        os.killpg(popen.pid, signal.SIGKILL)
        popen.wait(10)


@pytest.fixture
def upload_server(
    request: pytest.FixtureRequest, app: Flask, settings: Settings, tmp_path: Path
) -> Iterator[UploadServer]:
    failed_before = request.session.testsfailed
    server = UploadServer(settings, tmp_path / "logs")
    server.start()
    yield server
    show_logs_on_failure(request, server.runs, failed_before)
    for run in server.runs:
        run.stop()


def _user_with_token(app: Flask, username: str) -> dict[str, str]:
    with app.app_context():
        user = create_user(username, "correct horse battery")
        _row, secret = create_token(user.id, "e2e")
    return {"Authorization": f"Bearer {secret}"}


def _upload_row(app: Flask, public_id: str) -> Upload | None:
    with app.app_context():
        row = db.session.scalar(select(Upload).where(Upload.public_id == public_id))
        if row is not None:
            db.session.expunge(row)
        return row


def _only_upload_id(app: Flask) -> str | None:
    with app.app_context():
        return db.session.scalar(select(Upload.public_id))


def _wait_for(what: str, check: Callable[[], bool], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


def _kill_mid_chunk(
    app: Flask, server: UploadServer, proxy: PausingProxy, public_id: str, held_at: int
) -> Upload:
    """Wait until the server has written the bytes let through and checkpointed, then kill it."""
    partial = partial_path(current.settings(app), public_id)
    last_checkpoint = held_at // CHECKPOINT_BYTES * CHECKPOINT_BYTES
    _wait_for("the relay to hold the body", proxy.paused.is_set)
    # The server may still hold one read's worth (1 MiB) in memory: all else is on disk.
    _wait_for("the bytes on disk", lambda: partial.stat().st_size >= held_at - 2 * MIB)
    _wait_for(
        "a checkpoint", lambda: (_upload_row(app, public_id) or Upload()).offset == last_checkpoint
    )
    server.kill9()
    row = _upload_row(app, public_id)
    assert row is not None
    assert partial.stat().st_size > row.offset == last_checkpoint  # unrecorded bytes are left over
    return row


def test_tuspy_resumes_after_kill_9(
    app: Flask, upload_server: UploadServer, tmp_path: Path, settings: Settings
) -> None:
    source = make_large_mp4(tmp_path / "holiday.mp4", 200_000_000)
    bearer = _user_with_token(app, "alice")
    proxy = PausingProxy(upload_server.port)
    try:
        client = TusClient(f"{proxy.url}/api/uploads/", headers=bearer)
        uploader = client.uploader(
            file_path=str(source),
            chunk_size=64 * MIB,
            metadata={"filename": "holiday.mp4", "filetype": "video/mp4"},
        )
        uploader.set_url(uploader.create_url())
        upload_url = str(uploader.url)
        public_id = upload_url.rsplit("/", 1)[1]
        uploader.upload_chunk()
        assert uploader.offset == 64 * MIB

        # The next chunk gets 40 MiB in (past two 16 MiB checkpoints) and is then held.
        proxy.pause_after(40 * MIB)
        failures: list[BaseException] = []

        def second_chunk() -> None:
            try:
                uploader.upload_chunk()
            except TusCommunicationError as error:
                failures.append(error)

        sender = threading.Thread(target=second_chunk)
        sender.start()
        row = _kill_mid_chunk(app, upload_server, proxy, public_id, 64 * MIB + 40 * MIB)
        proxy.resume()
        sender.join(30)
        assert failures, "the chunk in flight should have failed with the server"

        upload_server.start()
        # A new client, as after a reboot of the uploading machine; a Redis lock left by
        # the dead process expires within VIDSTREAM_UPLOAD_LOCK_SECONDS, hence retries.
        resumed = TusClient(f"{proxy.url}/api/uploads/", headers=bearer).uploader(
            file_path=str(source), url=upload_url, chunk_size=64 * MIB, retries=10, retry_delay=1
        )
        assert resumed.offset == row.offset
        resumed.upload()
        video_id = resumed.request.response_headers["upload-video-id"]
    finally:
        proxy.close()

    storage = current.storage(app)
    stored = storage.path(f"videos/{video_id}/original.mp4")
    assert _sha256(stored) == _sha256(source)
    assert not partial_path(settings, public_id).exists()
    head = requests.head(
        f"{proxy.url.rsplit(':', 1)[0]}:{upload_server.port}/api/uploads/{public_id}",
        headers={**V, **bearer},
        timeout=10,
    )
    assert head.status_code == 200 and head.headers["Upload-Video-Id"] == video_id

    # It plays: the stream service serves the very bytes, and they decode.
    with app.test_client() as browser:
        served = browser.get(f"/media/{video_id}/original.mp4", headers=bearer)
        assert served.status_code == 200
        assert hashlib.sha256(served.data).hexdigest() == _sha256(source)
    with av.open(str(stored)) as container:
        frame = next(container.decode(video=0))
        assert (frame.width, frame.height) == (320, 240)
    assert_consistent(upload_server.env)


def test_two_users_cannot_touch_each_others_uploads(
    app: Flask, upload_server: UploadServer
) -> None:
    base = f"http://127.0.0.1:{upload_server.port}/api/uploads/"
    alice, bob = _user_with_token(app, "alice"), _user_with_token(app, "bob")
    created = requests.post(base, headers={**V, **alice, "Upload-Length": "10"}, timeout=10)
    assert created.status_code == 201
    url = requests.compat.urljoin(base, created.headers["Location"])
    octets = {**V, "Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"}
    assert requests.head(url, headers={**V, **bob}, timeout=10).status_code == 404
    assert (
        requests.patch(url, data=b"evil", headers={**octets, **bob}, timeout=10).status_code == 404
    )
    assert requests.delete(url, headers={**V, **bob}, timeout=10).status_code == 404
    assert (
        requests.patch(url, data=b"good", headers={**octets, **alice}, timeout=10).status_code
        == 204
    )
    assert requests.head(url, headers={**V, **alice}, timeout=10).headers["Upload-Offset"] == "4"


def test_cli_upload_resumes_when_run_again(
    app: Flask, upload_server: UploadServer, tmp_path: Path
) -> None:
    source = make_large_mp4(tmp_path / "lecture.mp4", 48 * MIB)
    token = _user_with_token(app, "carol")["Authorization"].removeprefix("Bearer ")
    proxy = PausingProxy(upload_server.port)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), "VIDSTREAM_TOKEN": token}
    argv = [vidstream_executable(), "upload", str(source), "--server", proxy.url]
    argv += ["--chunk-mib", "32"]
    try:
        proxy.pause_after(20 * MIB)
        # No retries, so that this run ends as soon as the server is gone.
        first = subprocess.Popen(
            [*argv, "--retries", "0"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        _wait_for("the upload to be created", lambda: _only_upload_id(app) is not None)
        public_id = _only_upload_id(app) or ""
        _kill_mid_chunk(app, upload_server, proxy, public_id, 20 * MIB)
        proxy.resume()
        out, err = first.communicate(timeout=60)
        assert first.returncode == 1, (out, err)
        assert b"run the same command again to resume" in err

        upload_server.start()
        again = subprocess.run(argv, env=env, capture_output=True, timeout=120, check=False)
    finally:
        proxy.close()
    assert again.returncode == 0, again.stderr.decode()
    assert b"resuming at 16.0 MiB" in again.stderr
    assert b"uploaded: " in again.stdout
    row = _upload_row(app, public_id)
    assert row is not None and row.video_public_id is not None
    video_id = row.video_public_id
    stored = current.storage(app).path(f"videos/{video_id}/original.mp4")
    assert _sha256(stored) == _sha256(source)
    assert f"/stream/{video_id}".encode() in again.stdout
    assert_consistent(upload_server.env)


def _raw_patch(url_path: str, bearer: dict[str, str], offset: int, body: bytes) -> bytes:
    return (
        f"PATCH {url_path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\n"
        f"Authorization: {bearer['Authorization']}\r\nUpload-Offset: {offset}\r\n"
        "Content-Type: application/offset+octet-stream\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def _answers(sock: socket.socket, count: int) -> list[str]:
    """The status lines and Upload-Offset of ``count`` answers read off one connection."""
    seen, data = [], b""
    while len(seen) < count:
        chunk = sock.recv(65536)
        assert chunk, f"the connection closed after {len(seen)} answers"
        data += chunk
        while b"\r\n\r\n" in data and len(seen) < count:
            head, data = data.split(b"\r\n\r\n", 1)
            lines = head.decode().split("\r\n")
            offset = [v for k, _, v in (h.partition(": ") for h in lines) if k == "Upload-Offset"]
            seen.append(f"{lines[0].split(' ', 2)[1]} {offset[0] if offset else '-'}")
    return seen


def test_bodies_taken_from_the_socket_leave_the_connection_usable(
    app: Flask, upload_server: UploadServer
) -> None:
    # Five PATCHes pipelined on one keep-alive connection: whatever gunicorn read ahead
    # of the first body (the start of the next requests) must still be there for it.
    bearer = _user_with_token(app, "dora")
    base = f"http://{HOST}:{upload_server.port}"
    data = os.urandom(3 * MIB + 12345)
    create = {**bearer, "Tus-Resumable": "1.0.0", "Upload-Length": str(len(data) + 10)}
    url_path = requests.post(f"{base}/api/uploads/", headers=create, timeout=10).headers["Location"]
    # Small bodies first, so that one read by gunicorn holds several requests.
    cut = [0, 100, 300, 2 * MIB + 7, len(data) - 5, len(data)]
    pieces = [_raw_patch(url_path, bearer, a, data[a:b]) for a, b in itertools.pairwise(cut)]
    with socket.create_connection((HOST, upload_server.port), timeout=30) as sock:
        sock.sendall(b"".join(pieces))
        assert _answers(sock, 5) == [f"204 {b}" for b in cut[1:]]
        # A body cut short: the client stops sending and goes away mid-chunk.
        sock.sendall(_raw_patch(url_path, bearer, len(data), b"12345678")[:-3])
    _wait_for("the short body to be kept", lambda: (_upload_row(app, url_path.rsplit("/", 1)[1])
              or Upload()).offset == len(data) + 5)  # fmt: skip
    partial = partial_path(current.settings(app), url_path.rsplit("/", 1)[1])
    assert partial.read_bytes() == data + b"12345"
