"""A stalled tus PATCH can neither keep an upload nor write into what it became.

Against a real ``vidstream serve --service upload`` (gunicorn's threaded worker): one
PATCH sends its headers and stalls; once it has lost its hold on the upload, a second
PATCH finishes the upload, and then the first one wakes up with a body that is a DASH
manifest naming a URL and another user's stored original. The stored original must be
the uploaded bytes, and the worker must fetch nothing (docs/security.md).
"""

from __future__ import annotations

import hashlib
import http.client
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask

from tests.support.hostile_manifests import dash_manifest
from tests.support.listener import listening
from tests.support.media import make_mp4
from tests.support.pipeline import process_now
from tests.support.restartable import RestartableServer, server_env, serving
from tests.support.servers import HOST
from tests.support.videos import add_raw_video
from tests.support.waiting import wait_until
from vidstream import current
from vidstream.config import Settings
from vidstream.jobs.context import Outcome
from vidstream.services.auth.logic import create_user
from vidstream.services.auth.tokens import create_token

pytestmark = pytest.mark.e2e

V = {"Tus-Resumable": "1.0.0"}
OCTETS = "application/offset+octet-stream"


def _bearer(app: Flask, username: str) -> dict[str, str]:
    with app.app_context():
        user = create_user(username, "correct horse battery")
        _row, secret = create_token(user.id, "e2e")
    return {"Authorization": f"Bearer {secret}", **V}


def _create(server: RestartableServer, bearer: dict[str, str], length: int) -> str:
    created = requests.post(
        f"{server.url}/api/uploads/", headers={**bearer, "Upload-Length": str(length)}, timeout=10
    )
    assert created.status_code == 201, created.text
    return str(created.headers["Location"])


def _stalled_patch(server: RestartableServer, path: str, bearer: dict[str, str], length: int):  # type: ignore[no-untyped-def]
    """A connection that has sent a PATCH's headers and none of its ``length`` bytes."""
    sock = socket.create_connection((HOST, server.port), timeout=60)
    head = {**bearer, "Upload-Offset": "0", "Content-Type": OCTETS, "Content-Length": str(length)}
    lines = [f"PATCH {path} HTTP/1.1", f"Host: {HOST}", *(f"{k}: {v}" for k, v in head.items())]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    return sock


def _patch(server: RestartableServer, path: str, bearer: dict[str, str], data: bytes) -> int:
    headers = {**bearer, "Upload-Offset": "0", "Content-Type": OCTETS}
    answer = requests.patch(f"{server.url}{path}", data=data, headers=headers, timeout=30)
    return answer.status_code


@pytest.fixture
def upload_service(
    request: pytest.FixtureRequest, settings: Settings, tmp_path: Path
) -> Iterator[RestartableServer]:
    # A lock that expires long before the stalled request's socket gives up, so that
    # the fence (not the read timeout) is what stops it.
    env = server_env(
        settings, VIDSTREAM_UPLOAD_LOCK_SECONDS="2", VIDSTREAM_UPLOAD_READ_TIMEOUT="60"
    )
    with serving(request, env, tmp_path / "logs", service="upload") as server:
        yield server


def test_a_stale_writer_cannot_rewrite_the_stored_original(
    app: Flask, settings: Settings, upload_service: RestartableServer, tmp_path: Path
) -> None:
    redis = current.redis(app)
    if redis is None:
        pytest.skip("Redis locks only: set VIDSTREAM_TEST_REDIS_URL")
    victim = _bearer(app, "victim")
    assert victim
    secret = add_raw_video(app, "victim", make_mp4(tmp_path / "secret.mp4", size="64x48"))
    secret_path = current.storage(app).path(f"videos/{secret}/original.mp4")
    bearer = _bearer(app, "mallory")
    data = make_mp4(tmp_path / "mine.mp4", faststart=True).read_bytes()
    path = _create(upload_service, bearer, len(data))
    lock = f"{settings.redis_prefix}tus-lock:{path.rsplit('/', 1)[1]}"

    with listening() as listener, _stalled_patch(upload_service, path, bearer, len(data)) as stale:
        wait_until("the stalled PATCH to hold the lock", lambda: redis.exists(lock))
        wait_until("its lock to expire", lambda: not redis.exists(lock))
        finished = requests.patch(
            f"{upload_service.url}{path}",
            data=data,
            headers={**bearer, "Upload-Offset": "0", "Content-Type": OCTETS},
            timeout=30,
        )
        assert finished.status_code == 204, finished.text
        video_id = finished.headers["Upload-Video-Id"]
        stored = current.storage(app).path(f"videos/{video_id}/original.mp4")

        hostile = dash_manifest(f"{listener.url}/ssrf.mp4", str(secret_path)).encode()
        stale.sendall(hostile.ljust(len(data), b" "))
        answer = http.client.HTTPResponse(stale)
        answer.begin()

        assert hashlib.sha256(stored.read_bytes()).digest() == hashlib.sha256(data).digest()
        assert answer.status == 423
        assert process_now(app, video_id) == (Outcome.SKIPPED, Outcome.READY)
        assert listener.received == []


@pytest.fixture
def impatient_service(
    request: pytest.FixtureRequest, settings: Settings, tmp_path: Path
) -> Iterator[RestartableServer]:
    env = server_env(
        settings, VIDSTREAM_UPLOAD_LOCK_SECONDS="60", VIDSTREAM_UPLOAD_READ_TIMEOUT="1"
    )
    with serving(request, env, tmp_path / "logs", service="upload") as server:
        yield server


def test_a_stalled_patch_gives_the_upload_up_after_the_read_timeout(
    app: Flask, impatient_service: RestartableServer
) -> None:
    # With Redis the lock would otherwise live on for a minute, with flock for as long
    # as the connection stays open; the second PATCH would get 423 all that time.
    bearer = _bearer(app, "slowpoke")
    path = _create(impatient_service, bearer, 10)
    with _stalled_patch(impatient_service, path, bearer, 10):
        wait_until(
            "a second PATCH to be let in",
            lambda: _patch(impatient_service, path, bearer, b"hello") == 204,
            timeout=20,
        )
