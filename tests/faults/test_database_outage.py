"""The database stops while the server runs, and comes back.

A private MariaDB (never the shared one) is stopped while a form upload's body is
arriving. Until it is back, pages answer a 503 page, the API and media a 503 JSON
error, ``/readyz`` names the database, ``/healthz`` stays 200, and the upload in
flight ends in a 503 that leaves no file behind. Once MariaDB is started again, the
same gunicorn process answers everything (its pool checks connections before use)
and takes a new upload. The server uses embedded sessions, so only the database is
away.
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
from tests.support.media import make_large_mp4
from tests.support.private_servers import PrivateServer, mariadb_server, mariadb_url
from tests.support.restartable import RestartableServer, migrated_app, server_env, serving
from tests.support.slow_upload import SlowUpload
from tests.support.waiting import wait_until
from vidstream import current
from vidstream.extensions import db

pytestmark = pytest.mark.e2e

MIB = 1024 * 1024
UNAVAILABLE = "vidstream is temporarily unavailable. Please try again in a moment."


@pytest.fixture
def mariadb(tmp_path: Path) -> Iterator[PrivateServer]:
    """A MariaDB of this test's own, on a free port."""
    server = mariadb_server(tmp_path / "mariadb")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def private_app(mariadb: PrivateServer, tmp_path: Path) -> Iterator[Flask]:
    """An app on the private MariaDB, migrated, with embedded sessions and queue."""
    database_url = mariadb_url(mariadb, "vidstream")
    secret = secrets.token_urlsafe(40)
    with migrated_app(tmp_path / "data", secret_key=secret, database_url=database_url) as app:
        yield app


@pytest.fixture
def server(
    request: pytest.FixtureRequest, private_app: Flask, mariadb: PrivateServer, tmp_path: Path
) -> Iterator[RestartableServer]:
    """``vidstream serve`` (all services) on the private MariaDB."""
    env = server_env(current.settings(private_app))
    with serving(request, env, tmp_path / "logs", also_logged=[mariadb]) as server:
        yield server


def _assert_unavailable(answer: requests.Response, *, page: bool) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["Retry-After"] == "5"
    if page:
        assert answer.headers["Content-Type"].startswith("text/html")
        assert UNAVAILABLE in answer.text and "Traceback" not in answer.text
    else:
        assert answer.json() == {
            "error": {"status": 503, "code": "unavailable", "message": UNAVAILABLE}
        }


def test_requests_get_503_while_the_database_is_down_and_work_once_it_is_back(
    private_app: Flask,
    mariadb: PrivateServer,
    server: RestartableServer,
    sample_mp4: Path,
    tmp_path: Path,
) -> None:
    data_dir = Path(server.env["VIDSTREAM_DATA_DIR"])
    auth = AuthActions(private_app.test_client())
    auth.signup("alice")
    video_id = auth.upload(sample_mp4, json=True).get_json()["video"]["id"]
    with private_app.app_context():
        db.engine.dispose()
    cookie = auth.client.get_cookie("vidstream_session")
    assert cookie is not None
    browser = requests.Session()
    browser.headers["Cookie"] = f"vidstream_session={cookie.value}"
    csrf = auth.csrf()
    page, api = f"{server.url}/stream", f"{server.url}/api/videos"
    media = f"{server.url}/media/{video_id}/original.mp4"
    assert browser.get(api, timeout=10).json()["videos"][0]["id"] == video_id
    kept = stored_files(data_dir)

    upload = SlowUpload(
        server.url,
        make_large_mp4(tmp_path / "trip.mp4", 24 * MIB),
        {"csrf_token": csrf},
        {"Cookie": browser.headers["Cookie"], "Accept": "application/json"},
    )
    upload.send(8 * MIB)
    wait_until("the body in staging", lambda: staging_leftovers(data_dir) != [])
    mariadb.stop()

    _assert_unavailable(browser.get(page, headers={"Accept": "text/html"}, timeout=30), page=True)
    _assert_unavailable(browser.get(api, timeout=30), page=False)
    _assert_unavailable(browser.get(media, timeout=30), page=False)
    ready = browser.get(f"{server.url}/readyz", timeout=30)
    assert ready.status_code == 503 and list(ready.json()["down"]) == ["database"]
    assert browser.get(f"{server.url}/healthz", timeout=30).status_code == 200
    upload.send_rest()
    answer = upload.answer()
    upload.close()
    assert answer.status == 503, answer.body
    wait_until("the staging file to go", lambda: staging_leftovers(data_dir) == [])
    assert stored_files(data_dir) == kept

    mariadb.start()
    listed = browser.get(page, headers={"Accept": "text/html"}, timeout=30)
    assert listed.status_code == 200 and "sample" in listed.text
    assert [v["id"] for v in browser.get(api, timeout=30).json()["videos"]] == [video_id]
    served = browser.get(media, timeout=30)
    assert served.status_code == 200
    assert (
        hashlib.sha256(served.content).digest() == hashlib.sha256(sample_mp4.read_bytes()).digest()
    )
    assert browser.get(f"{server.url}/readyz", timeout=30).json() == {"status": "ok"}
    with sample_mp4.open("rb") as fh:
        again = browser.post(
            f"{server.url}/upload",
            files={"filename": ("again.mp4", fh, "video/mp4")},
            data={"csrf_token": csrf},
            headers={"Accept": "application/json"},
            timeout=60,
        )
    assert again.status_code == 201, again.text
    assert len(stored_files(data_dir)) == len(kept) + 1
    assert_consistent(server.env)
