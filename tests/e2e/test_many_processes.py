"""Every part a separate process on loopback, and one of each kind killed mid-flight.

nginx in front of one auth, one upload and two stream instances, two Celery workers,
MariaDB, Redis and an S3-protocol server (moto). A user signs in through the gateway,
uploads with tuspy, and streams through the gateway while either worker processes the
video. Then one stream instance and the worker holding the job are killed with
``kill -9``: viewing goes on without an error (nginx passes requests to the surviving
instance), the other worker finishes the job, and afterwards nothing is lost or
duplicated: one video, one upload record, every object it should have and no other,
and ``vidstream storage check`` finds nothing wrong. Needs
``VIDSTREAM_TEST_DATABASE_URL`` and ``VIDSTREAM_TEST_REDIS_URL``.
"""

from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa
from tusclient.client import TusClient

from tests.support.media import make_mp4
from tests.support.pipeline import decode_over_http
from tests.support.s3server import CREDENTIALS, moto_server, new_bucket, s3_client, storage_url
from tests.support.servers import (
    HOST,
    ServerProcess,
    forget_accounts,
    free_ports,
    render_gateway_config,
    require_nginx,
    show_logs_on_failure,
    start_nginx,
    start_process,
    start_vidstream,
    stop_all,
    vidstream_executable,
    wait_for_url,
)

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"
SECONDS = 12
MEDIA_REQUESTS = re.compile(
    r'^vidstream_http_requests_total\{[^}]*route="/media/[^"]*"[^}]*\} ([0-9.e+]+)$', re.M
)


@dataclass
class Cluster:
    """The running processes, the gateway's URL and what the processes share."""

    gateway: str
    env: dict[str, str]
    database_url: str
    bucket: str
    s3_endpoint: str
    usernames: list[str] = field(default_factory=list)
    streams: list[ServerProcess] = field(default_factory=list)
    workers: list[ServerProcess] = field(default_factory=list)
    servers: list[ServerProcess] = field(default_factory=list)


@pytest.fixture
def cluster(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    external_database_url: str | None,
    redis_url: str | None,
) -> Iterator[Cluster]:
    """Start the whole deployment; stop every process afterwards."""
    if not external_database_url or not redis_url:
        pytest.skip("set VIDSTREAM_TEST_DATABASE_URL and VIDSTREAM_TEST_REDIS_URL to run")
    require_nginx()
    failed_before = request.session.testsfailed
    logs = tmp_path / "logs"
    with moto_server(logs) as endpoint:
        bucket = new_bucket(s3_client(endpoint))
        ports = free_ports(5)
        gateway = f"http://{HOST}:{ports[4]}"
        env = {
            **CREDENTIALS,
            "VIDSTREAM_DATABASE_URL": external_database_url,
            "VIDSTREAM_REDIS_URL": redis_url,
            "VIDSTREAM_REDIS_PREFIX": f"vsmany:{secrets.token_hex(4)}:",
            "VIDSTREAM_SECRET_KEY": secrets.token_urlsafe(40),
            "VIDSTREAM_SIGNUP": "open",  # the test signs several people up
            "VIDSTREAM_DATA_DIR": str(tmp_path / "data"),
            "VIDSTREAM_STORAGE_URL": storage_url(bucket, endpoint),
            "VIDSTREAM_PUBLIC_URL": gateway,
            "VIDSTREAM_JOB_LEASE_SECONDS": "4",
            "VIDSTREAM_WORKERS": "1",
            "VIDSTREAM_THREADS": "4",
        }
        found = Cluster(gateway, env, external_database_url, bucket, endpoint)
        try:
            _start(found, ports, logs)
            yield found
        finally:
            everything = [*found.servers, *found.streams, *found.workers]
            show_logs_on_failure(request, everything, failed_before)
            stop_all(everything)
            prefix = env["VIDSTREAM_REDIS_PREFIX"]
            forget_accounts(external_database_url, redis_url, prefix, found.usernames)


def _start(cluster: Cluster, ports: list[int], logs: Path) -> None:
    auth_port, upload_port, *stream_ports, gateway_port = ports
    for service, port in (("auth", auth_port), ("upload", upload_port)):
        cluster.servers.append(start_vidstream(service, port, cluster.env, logs))
    for port in stream_ports:
        cluster.streams.append(start_vidstream("stream", port, cluster.env, logs))
    clean = {k: v for k, v in os.environ.items() if not k.startswith("VIDSTREAM_")}
    for name in ("worker-a", "worker-b"):
        argv = [vidstream_executable(), "worker", "--concurrency", "1"]
        cluster.workers.append(start_process(name, argv, "", logs, {**clean, **cluster.env}))
    for server in [*cluster.servers, *cluster.streams]:
        wait_for_url(server, "/healthz")
    values = {
        "GATEWAY_LISTEN": f"{HOST}:{gateway_port}",
        "GATEWAY_MAX_BODY_SIZE": "64m",
        "GATEWAY_MEDIA_ROOT": str(logs.parent / "data" / "media"),
        "GATEWAY_MEDIA_LINK_SECRET": secrets.token_hex(32),
        "GATEWAY_AUTH_UPSTREAM": f"{HOST}:{auth_port}",
        "GATEWAY_UPLOAD_UPSTREAM": f"{HOST}:{upload_port}",
        "GATEWAY_STREAM_UPSTREAM": f"{HOST}:{stream_ports[0]}",
    }
    config = render_gateway_config(values)
    # Two stream instances behind one upstream, as a scaled compose service resolves.
    first = f"server {HOST}:{stream_ports[0]};"
    assert config.count(first) == 1
    config = config.replace(first, f"{first}\n    server {HOST}:{stream_ports[1]};")
    cluster.servers.append(start_nginx(config, logs.parent / "nginx", gateway_port))


def _sign_up(cluster: Cluster) -> tuple[requests.Session, str]:
    """A browser session signed up through the gateway, and its CSRF token."""
    gateway = cluster.gateway
    browser = requests.Session()
    token = browser.get(f"{gateway}/api/session", timeout=10).json()["csrf_token"]
    name = f"many{secrets.token_hex(4)}"
    cluster.usernames.append(name)
    form = {"username": name, "password": PASSWORD, "confirm": PASSWORD, "csrf_token": token}
    answer = browser.post(f"{gateway}/signup", data=form, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    return browser, browser.get(f"{gateway}/api/session", timeout=10).json()["csrf_token"]


def _upload_with_tus(cluster: Cluster, browser: requests.Session, token: str, source: Path) -> str:
    """Upload ``source`` with tuspy through the gateway, in several PATCHes; the video's id."""
    cookie = f"vidstream_session={browser.cookies['vidstream_session']}"
    client = TusClient(
        f"{cluster.gateway}/api/uploads/", headers={"Cookie": cookie, "X-CSRFToken": token}
    )
    uploader = client.uploader(
        file_path=str(source), chunk_size=256 * 1024, metadata={"filename": source.name}
    )
    uploader.upload()
    video_id = uploader.request.response_headers.get("upload-video-id")
    assert video_id, uploader.request.response_headers
    return str(video_id)


def _video(browser: requests.Session, cluster: Cluster, public_id: str) -> dict[str, object]:
    answer = browser.get(f"{cluster.gateway}/api/videos/{public_id}", timeout=10)
    assert answer.status_code == 200, answer.text
    video: dict[str, object] = answer.json()["video"]
    return video


def _wait(what: str, check: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


class Viewer(threading.Thread):
    """Fetches Range after Range of the original through the gateway, counting failures."""

    def __init__(self, browser: requests.Session, url: str, expected: bytes) -> None:
        super().__init__(name="viewer", daemon=True)
        self.browser, self.url, self.expected = browser, url, expected
        self.done = threading.Event()
        self.fetched = 0
        self.failures: list[str] = []

    def run(self) -> None:
        """Until told to stop: a random 64 KiB range, checked against the source's bytes."""
        size = len(self.expected)
        while not self.done.is_set():
            start = secrets.randbelow(size - 65536)
            end = start + 65535
            try:
                answer = self.browser.get(
                    self.url, headers={"Range": f"bytes={start}-{end}"}, timeout=10
                )
            except requests.RequestException as error:
                self.failures.append(f"{start}: {error}")
                continue
            if answer.status_code != 206 or answer.content != self.expected[start : end + 1]:
                self.failures.append(f"{start}: {answer.status_code} {answer.text[:200]}")
            self.fetched += 1

    def stop(self) -> None:
        """Ask the thread to finish and wait for it."""
        self.done.set()
        self.join(timeout=30)


def _media_requests(instance: ServerProcess) -> float:
    """How many /media/ requests one stream instance has answered (its own /metrics)."""
    text = requests.get(f"{instance.url}/metrics", timeout=10).text
    return sum(float(count) for count in MEDIA_REQUESTS.findall(text))


def _job(cluster: Cluster, public_id: str) -> tuple[str, float, str | None, int]:
    """(step, progress, lease owner, attempts) of the video's job row."""
    engine = sa.create_engine(cluster.database_url)
    with engine.connect() as conn:
        row = conn.execute(
            sa.text(
                "SELECT j.step, j.progress, j.lease_owner, j.attempts FROM video_jobs j "
                "JOIN videos v ON v.id = j.video_id WHERE v.public_id = :p"
            ),
            {"p": public_id},
        ).one()
    engine.dispose()
    return str(row.step), float(row.progress), row.lease_owner, int(row.attempts)


def _holder(cluster: Cluster, owner: str) -> ServerProcess:
    """The worker process group that contains the lease owner (``host:pid``)."""
    pid = int(owner.rpartition(":")[2])
    for worker in cluster.workers:
        if os.getpgid(pid) == worker.popen.pid:
            return worker
    raise AssertionError(f"no worker holds {owner}")


def _kill(process: ServerProcess) -> None:
    os.killpg(process.popen.pid, signal.SIGKILL)
    process.popen.wait(timeout=30)


def _check_nothing_lost(cluster: Cluster, public_id: str) -> None:
    """One video and one finished upload; its objects and no others; a clean storage check."""
    engine = sa.create_engine(cluster.database_url)
    with engine.connect() as conn:
        videos = conn.execute(sa.text("SELECT public_id, status FROM videos")).all()
        uploads = conn.execute(sa.text("SELECT video_public_id FROM uploads")).all()
    engine.dispose()
    assert [(v.public_id, v.status) for v in videos] == [(public_id, "ready")]
    assert [u.video_public_id for u in uploads] == [public_id]
    listed = s3_client(cluster.s3_endpoint).list_objects_v2(Bucket=cluster.bucket)
    keys = [item["Key"] for item in listed.get("Contents", [])]
    assert keys and all(key.startswith(f"videos/{public_id}/") for key in keys), keys
    assert f"videos/{public_id}/original.mp4" in keys
    assert any(key.endswith("/master.m3u8") for key in keys), keys
    assert not list((Path(cluster.env["VIDSTREAM_DATA_DIR"]) / "staging" / "tus").glob("*"))
    clean = {k: v for k, v in os.environ.items() if not k.startswith("VIDSTREAM_")}
    checked = subprocess.run(
        [vidstream_executable(), "storage", "check"],
        env={**clean, **cluster.env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def _mid_renditions(cluster: Cluster, public_id: str) -> bool:
    step, progress, _owner, _attempts = _job(cluster, public_id)
    return step == "renditions" and 0.1 < progress < 0.8


def test_one_of_each_killed_mid_flight_loses_nothing(cluster: Cluster, tmp_path: Path) -> None:
    # Index at the front already, so the stored original keeps the source's bytes.
    source = make_mp4(tmp_path / "ferry.mp4", seconds=SECONDS, size="854x480", faststart=True)
    browser, token = _sign_up(cluster)
    public_id = _upload_with_tus(cluster, browser, token, source)

    def status() -> object:
        return _video(browser, cluster, public_id)["status"]

    _wait("the original to be playable", lambda: status() in ("processing", "ready"), 120)
    original = f"{cluster.gateway}/media/{public_id}/original.mp4"
    viewer = Viewer(browser, original, source.read_bytes())
    viewer.start()
    try:
        serving = [lambda s=s: _media_requests(s) > 0 for s in cluster.streams]
        _wait("both stream instances to serve", lambda: all(f() for f in serving), 60)
        _wait("a worker mid-renditions", lambda: _mid_renditions(cluster, public_id), 180)
        owner = _job(cluster, public_id)[2]
        assert owner is not None
        holder = _holder(cluster, owner)
        survivor = next(w for w in cluster.workers if w is not holder)
        _kill(holder)
        before = viewer.fetched
        _kill(cluster.streams[0])
        _wait("viewing to go on after the kills", lambda: viewer.fetched > before + 20, 60)
        _wait("the other worker to finish the job", lambda: status() == "ready", 240)
    finally:
        viewer.stop()
    assert viewer.failures == []
    assert survivor.popen.poll() is None
    assert f"video {public_id} is ready" in survivor.log.read_text()
    assert f"video {public_id} is ready" not in holder.log.read_text()
    assert _job(cluster, public_id)[2] is None  # the lease was released

    master = f"{cluster.gateway}/media/{public_id}/hls/master.m3u8"
    decoded = decode_over_http(master, browser.cookies["vidstream_session"])
    assert decoded.returncode == 0 and decoded.errors == "", decoded.errors
    assert abs(decoded.seconds - SECONDS) <= 0.5
    stranger, _token = _sign_up(cluster)
    for path in ("original.mp4", "hls/master.m3u8", "poster.jpg"):
        url = f"{cluster.gateway}/media/{public_id}/{path}"
        assert stranger.get(url, allow_redirects=False, timeout=10).status_code == 404, path
        assert requests.get(url, allow_redirects=False, timeout=10).status_code == 401, path
    _check_nothing_lost(cluster, public_id)
