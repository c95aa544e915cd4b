"""SIGTERM lets a download in progress finish before ``vidstream serve`` exits.

curl fetches a 24 MiB video at 6 MiB/s (about 4 s, more than loopback socket buffers
can hold at once), and the server is told to stop once the first MiB has arrived. When
gunicorn has taken the signal the download is still under way; it must still arrive
whole, and the server must then exit by itself.
"""

from __future__ import annotations

import hashlib
import secrets
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from tests.support.servers import ServerProcess, free_ports, start_vidstream, wait_for_url
from tests.support.waiting import wait_until
from vidstream import create_app, current
from vidstream.config import load_settings
from vidstream.extensions import db
from vidstream.migrations.runner import upgrade_database
from vidstream.models import Video, VideoStatus
from vidstream.models.video import new_etag
from vidstream.services.auth.logic import create_user
from vidstream.services.auth.tokens import create_token

pytestmark = pytest.mark.e2e

MIB = 1024 * 1024
SIZE = 24 * MIB


def _store_video(data_dir: str, body: bytes) -> tuple[str, str]:
    """A fresh database with alice, her video and an access token for it.

    Done in-process (the CLI would take seconds), and with a token so that the stream
    service can run alone: no sign-in service, no job worker to wait for at exit.
    """
    app = create_app(load_settings(env={"VIDSTREAM_DATA_DIR": data_dir}))
    upgrade_database(app)
    with app.app_context():
        owner = create_user("alice", "correct horse")
        video = Video(owner_id=owner.id, title="big", original_filename="big.mp4",
                      size_bytes=len(body), status=VideoStatus.READY, etag=new_etag())  # fmt: skip
        db.session.add(video)
        db.session.flush()
        target = current.storage(app).path(video.original_key)
        target.parent.mkdir(parents=True)
        target.write_bytes(body)
        db.session.commit()
        public_id = video.public_id
        _, secret = create_token(owner.id, "download")
        db.engine.dispose()
    return public_id, secret


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def _took_sigterm(server: ServerProcess) -> bool:
    """Whether gunicorn's master has taken the signal (and so passed it to its worker)."""
    return "Handling signal: term" in server.log.read_text(errors="replace")


def test_sigterm_finishes_the_download_in_flight(tmp_path: Path) -> None:
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("curl is not installed")
    env = {
        "VIDSTREAM_DATA_DIR": str(tmp_path / "data"),
        "VIDSTREAM_SECRET_KEY": secrets.token_urlsafe(40),
        "VIDSTREAM_WORKERS": "1",
    }
    body = secrets.token_bytes(SIZE)
    public_id, secret = _store_video(env["VIDSTREAM_DATA_DIR"], body)
    (port,) = free_ports(1)
    server = start_vidstream("stream", port, env, tmp_path / "logs")
    try:
        wait_for_url(server, "/healthz")
        out = tmp_path / "download"
        download = subprocess.Popen(
            [curl, "-s", "-f", "-H", f"Authorization: Bearer {secret}", "--limit-rate", "6M",
             "-o", str(out), f"{server.url}/media/{public_id}/original.mp4"],
        )  # fmt: skip
        wait_until("the download to be under way", lambda: _size(out) >= MIB)
        server.popen.send_signal(signal.SIGTERM)
        wait_until("the server to take the signal", lambda: _took_sigterm(server))
        assert server.popen.poll() is None, "the server stopped before the download finished"
        assert download.poll() is None and _size(out) < SIZE, "SIGTERM came too late to test"
        assert download.wait(timeout=20) == 0
        assert hashlib.sha256(out.read_bytes()).digest() == hashlib.sha256(body).digest()
        assert server.popen.wait(timeout=15) == 0
    finally:
        server.stop()
