"""Redis stops while the server runs, and comes back.

A private Redis (never the shared one) holds the sessions, the rate-limit counters,
the upload locks, the media cache and the job queue. While it is stopped, a signed-in
browser gets a 503 page, the API a 503 JSON error whether called with a session or a
token (rate limits fail closed, see docs/decisions.md), media and tus chunks 503 too,
``/readyz`` names Redis and ``/healthz`` stays 200. Once Redis is started again, with
the sessions it saved, the same gunicorn process answers everything, and the upload
that was refused finishes. The database is SQLite, so only Redis is away.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask

from tests.support.accounts import AuthActions
from tests.support.consistency import assert_consistent, staging_leftovers, stored_files
from tests.support.private_servers import PrivateServer, redis_server
from tests.support.restartable import RestartableServer, migrated_app, server_env, serving
from vidstream import current
from vidstream.services.auth.tokens import create_token

pytestmark = pytest.mark.e2e

UNAVAILABLE = "vidstream is temporarily unavailable. Please try again in a moment."
TUS = {"Tus-Resumable": "1.0.0"}


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateServer]:
    """A Redis of this test's own, on a free port."""
    server = redis_server(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def private_app(private_redis: PrivateServer, tmp_path: Path) -> Iterator[Flask]:
    """An app on SQLite whose sessions, limits, locks, cache and queue are in the private Redis."""
    redis_url = f"redis://127.0.0.1:{private_redis.port}/0"
    secret = secrets.token_urlsafe(40)
    with migrated_app(tmp_path / "data", secret_key=secret, redis_url=redis_url) as app:
        yield app


@pytest.fixture
def server(
    request: pytest.FixtureRequest, private_app: Flask, private_redis: PrivateServer, tmp_path: Path
) -> Iterator[RestartableServer]:
    """``vidstream serve`` (all services) with the private Redis."""
    env = server_env(current.settings(private_app))
    with serving(request, env, tmp_path / "logs", also_logged=[private_redis]) as server:
        yield server


def _assert_unavailable(answer: requests.Response, *, page: bool = False) -> None:
    assert answer.status_code == 503, answer.text
    if page:
        assert answer.headers["Content-Type"].startswith("text/html")
        assert UNAVAILABLE in answer.text and "Traceback" not in answer.text
    else:
        assert answer.json()["error"] == {
            "status": 503,
            "code": "unavailable",
            "message": UNAVAILABLE,
        }


def _patch(url: str, bearer: dict[str, str], body: bytes) -> requests.Response:
    headers = {**TUS, **bearer, "Upload-Offset": "0"}
    headers["Content-Type"] = "application/offset+octet-stream"
    return requests.patch(url, data=body, headers=headers, timeout=30)


def test_requests_get_503_while_redis_is_down_and_work_once_it_is_back(
    private_app: Flask,
    private_redis: PrivateServer,
    server: RestartableServer,
    sample_mp4: Path,
) -> None:
    data_dir = Path(server.env["VIDSTREAM_DATA_DIR"])
    auth = AuthActions(private_app.test_client())
    auth.signup("alice")
    video_id = auth.upload(sample_mp4, json=True).get_json()["video"]["id"]
    csrf = auth.csrf()
    with private_app.app_context():
        _, secret = create_token(1, "script")
    cookie = auth.client.get_cookie("vidstream_session")
    assert cookie is not None
    browser = requests.Session()
    browser.headers["Cookie"] = f"vidstream_session={cookie.value}"
    bearer = {"Authorization": f"Bearer {secret}"}
    page, api = f"{server.url}/stream", f"{server.url}/api/videos"
    media = f"{server.url}/media/{video_id}/original.mp4"
    body = sample_mp4.read_bytes()
    created = requests.post(
        f"{server.url}/api/uploads/",
        headers={**TUS, **bearer, "Upload-Length": str(len(body))},
        timeout=10,
    )
    assert created.status_code == 201, created.text
    tus_url = requests.compat.urljoin(f"{server.url}/api/uploads/", created.headers["Location"])
    assert requests.get(media, headers=bearer, timeout=10).status_code == 200  # cached now
    kept = stored_files(data_dir)

    private_redis.stop()
    _assert_unavailable(browser.get(page, headers={"Accept": "text/html"}, timeout=30), page=True)
    _assert_unavailable(browser.get(api, timeout=30))
    _assert_unavailable(requests.get(api, headers=bearer, timeout=30))
    _assert_unavailable(browser.get(media, timeout=30))
    _assert_unavailable(requests.get(media, headers=bearer, timeout=30))
    _assert_unavailable(_patch(tus_url, bearer, body))
    with sample_mp4.open("rb") as fh:
        # On a connection of its own: refused before its body was read, the upload's
        # connection is closed by gunicorn, and reusing it would race that close.
        form = requests.post(
            f"{server.url}/upload",
            files={"filename": ("again.mp4", fh, "video/mp4")},
            data={"csrf_token": csrf},
            headers={"Accept": "application/json", "Cookie": browser.headers["Cookie"]},
            timeout=30,
        )
    _assert_unavailable(form)
    ready = browser.get(f"{server.url}/readyz", timeout=30)
    assert ready.status_code == 503 and list(ready.json()["down"]) == ["redis"]
    assert browser.get(f"{server.url}/healthz", timeout=30).status_code == 200
    assert stored_files(data_dir) == kept and staging_leftovers(data_dir) == []

    private_redis.start()
    listed = browser.get(page, headers={"Accept": "text/html"}, timeout=30)
    assert listed.status_code == 200 and "sample" in listed.text
    assert [v["id"] for v in browser.get(api, timeout=30).json()["videos"]] == [video_id]
    assert requests.get(api, headers=bearer, timeout=30).status_code == 200
    served = browser.get(media, timeout=30)
    assert served.status_code == 200
    assert hashlib.sha256(served.content).digest() == hashlib.sha256(body).digest()
    assert browser.get(f"{server.url}/readyz", timeout=30).json() == {"status": "ok"}
    finished = _patch(tus_url, bearer, body)
    assert finished.status_code == 204, finished.text
    new_id = finished.headers["Upload-Video-Id"]
    assert set(stored_files(data_dir)) == {*kept, f"videos/{new_id}/original.mp4"}
    assert_consistent(server.env)
