"""Real worker processes: one killed mid-job, and ``vidstream serve`` doing everything."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask
from sqlalchemy import select

from tests.support.accounts import AuthActions
from tests.support.consistency import assert_consistent
from tests.support.media import make_mp4
from tests.support.pipeline import decode_over_http, live_server
from tests.support.restartable import server_env
from tests.support.servers import (
    ServerProcess,
    free_ports,
    start_process,
    start_vidstream,
    vidstream_executable,
    wait_for_url,
)
from vidstream import current
from vidstream.config import Settings
from vidstream.extensions import db
from vidstream.models import Video, VideoJob, VideoStatus

pytestmark = pytest.mark.e2e


def _env(settings: Settings) -> dict[str, str]:
    """The environment that points a vidstream process at this test's database and files."""
    return server_env(settings, VIDSTREAM_WORKER_CONCURRENCY="1")


def _start_worker(name: str, settings: Settings, logs: Path) -> ServerProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("VIDSTREAM_")}
    argv = [vidstream_executable(), "worker", "--concurrency", "1"]
    return start_process(name, argv, "", logs, {**clean, **_env(settings)})


def _wait(app: Flask, public_id: str, until: object, timeout: float) -> tuple[Video, VideoJob]:
    """Poll the row until ``until(video, job)`` holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        with app.app_context():
            video = db.session.scalars(select(Video).where(Video.public_id == public_id)).one()
            job = video.job
            assert job is not None
            db.session.expunge_all()
        if until(video, job):  # type: ignore[operator]
            return video, job
        assert time.monotonic() < deadline, (video.status, job.step, job.progress)
        time.sleep(0.05)


@pytest.fixture
def workers(request: pytest.FixtureRequest) -> Iterator[list[ServerProcess]]:
    """Worker processes a test starts; every one is stopped afterwards."""
    started: list[ServerProcess] = []
    yield started
    for process in started:
        process.stop()
    if request.session.testsfailed:
        for process in started:
            print(f"----- {process.name} -----\n{process.log_tail(80)}")


def test_a_worker_killed_mid_job_leaves_work_another_finishes(
    app: Flask, auth: AuthActions, tmp_path: Path, workers: list[ServerProcess]
) -> None:
    settings = current.settings(app)
    source = make_mp4(tmp_path / "long.mp4", seconds=12, size="854x480", faststart=True)
    auth.signup()
    public_id = auth.upload(source, json=True).get_json()["video"]["id"]

    first = _start_worker("worker-a", settings, tmp_path / "logs")
    workers.append(first)
    _, job = _wait(app, public_id, lambda v, j: j.step == "renditions" and j.progress > 0.2, 120)
    os.killpg(first.popen.pid, signal.SIGKILL)
    first.popen.wait()
    video, job = _wait(app, public_id, lambda v, j: True, 1)
    assert video.status is VideoStatus.PROCESSING and job.lease_token is not None

    second = _start_worker("worker-b", settings, tmp_path / "logs")
    workers.append(second)
    ready = _wait(app, public_id, lambda v, j: v.status is VideoStatus.READY, 180)
    assert ready[1].attempts == 0
    _wait(app, public_id, lambda v, j: j.lease_token is None, 10)  # released just after
    cookie = auth.client.get_cookie("vidstream_session")
    assert cookie is not None
    with live_server(app) as url:
        decoded = decode_over_http(f"{url}/media/{public_id}/hls/master.m3u8", cookie.value)
    assert decoded.returncode == 0 and decoded.errors == "", decoded.errors
    assert abs(decoded.seconds - 12) <= 0.5
    assert_consistent(_env(settings))


def _sign_up(base: str, name: str) -> requests.Session:
    browser = requests.Session()
    token = browser.get(f"{base}/api/session", timeout=10).json()["csrf_token"]
    data = {"username": name, "password": "correct horse", "confirm": "correct horse"}
    answer = browser.post(f"{base}/signup", data={**data, "csrf_token": token}, timeout=10)
    assert answer.status_code == 200, answer.text
    return browser


def _children_of(pid: int) -> list[int]:
    """Processes started with ``--parent-pid=<pid>`` (the worker ``serve`` runs)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if entry.name.isdigit() and f"--parent-pid={pid}".encode() in cmdline:
            found.append(int(entry.name))
    return found


def test_serve_alone_takes_an_upload_to_ready(
    app: Flask, tmp_path: Path, workers: list[ServerProcess]
) -> None:
    settings = current.settings(app)
    (port,) = free_ports(1)
    server = start_vidstream(None, port, _env(settings), tmp_path / "logs")
    workers.append(server)
    if settings.redis_url:  # with Redis the worker is a service of its own
        workers.append(_start_worker("worker", settings, tmp_path / "logs"))
    wait_for_url(server, "/signin")
    base = server.url
    alice = _sign_up(base, "alice")
    token = alice.get(f"{base}/api/session", timeout=10).json()["csrf_token"]
    source = make_mp4(tmp_path / "camera.mp4", seconds=6, size="640x360")
    with source.open("rb") as fh:
        answer = alice.post(f"{base}/upload", files={"filename": ("camera.mp4", fh)},
                            data={"csrf_token": token}, headers={"Accept": "application/json"},
                            timeout=60)  # fmt: skip
    assert answer.status_code == 201, answer.text
    video = answer.json()["video"]
    assert video["status"] == "validating"
    seen = set()
    deadline = time.monotonic() + 120
    while video["status"] not in ("ready", "failed") and time.monotonic() < deadline:
        time.sleep(0.2)
        video = alice.get(f"{base}/api/videos/{video['id']}", timeout=10).json()["video"]
        seen.add(video["status"])
    assert video["status"] == "ready", video
    assert seen & {"ready_original", "processing"}

    decoded = decode_over_http(f"{base}{video['urls']['hls']}", alice.cookies["vidstream_session"])
    assert decoded.returncode == 0 and decoded.errors == "", decoded.errors
    assert abs(decoded.seconds - 6) <= 0.5
    mallory = _sign_up(base, "mallory")
    for url in (video["urls"]["hls"], f"/media/{video['id']}/hls/360p/seg_00000.m4s"):
        assert mallory.get(f"{base}{url}", timeout=10).status_code == 404
    page = alice.get(f"{base}/stream/{video['id']}", timeout=10).text
    assert 'data-hls="/media/' in page and "player.js" in page

    children = _children_of(server.popen.pid)
    assert children or settings.redis_url
    server.stop()
    deadline = time.monotonic() + 20
    while _children_of(server.popen.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _children_of(server.popen.pid) == []
