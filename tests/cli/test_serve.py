"""``vidstream serve`` on a database nobody migrated: SQLite is migrated, MariaDB refused."""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from tests.support.media import make_mp4
from tests.support.pipeline import decode_over_http
from tests.support.servers import (
    HOST,
    ServerProcess,
    free_ports,
    start_vidstream,
    vidstream_executable,
    wait_for_url,
)
from tests.support.stores import TEST_DB, make_settings
from vidstream import create_app
from vidstream.migrations.runner import required_revision, upgrade_database

pytestmark = pytest.mark.e2e
BEHIND = f"this vidstream needs revision {required_revision()}: run `vidstream db upgrade`"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[list[ServerProcess]]:
    """Servers a test starts, all stopped afterwards (their logs shown if it failed)."""
    started: list[ServerProcess] = []
    yield started
    for process in started:
        process.stop()
        print(f"----- {process.name} -----\n{process.log_tail(80)}")


def _sign_up(base: str, name: str) -> tuple[requests.Session, str]:
    browser = requests.Session()
    token = browser.get(f"{base}/api/session", timeout=10).json()["csrf_token"]
    data = {"username": name, "password": "correct horse", "confirm": "correct horse"}
    answer = browser.post(f"{base}/signup", data={**data, "csrf_token": token}, timeout=10)
    assert answer.status_code == 200, answer.text
    return browser, browser.get(f"{base}/api/session", timeout=10).json()["csrf_token"]


def test_serve_on_an_empty_data_dir_signs_up_uploads_and_plays_at_once(
    tmp_path: Path, server: list[ServerProcess]
) -> None:
    data = tmp_path / "fresh"
    env = {
        "VIDSTREAM_DATA_DIR": str(data),
        "VIDSTREAM_WORKERS": "2",
        "VIDSTREAM_THREADS": "4",
        "VIDSTREAM_WORKER_CONCURRENCY": "1",
        "VIDSTREAM_X264_PRESET": "ultrafast",
    }
    (port,) = free_ports(1)
    server.append(start_vidstream(None, port, env, tmp_path / "logs"))
    wait_for_url(server[0], "/readyz")
    base = server[0].url
    assert requests.get(f"{base}/readyz", timeout=10).json() == {"status": "ok"}
    alice, token = _sign_up(base, "alice")
    source = make_mp4(tmp_path / "camera.mp4", seconds=2, faststart=True)
    with source.open("rb") as fh:
        answer = alice.post(f"{base}/upload", files={"filename": ("camera.mp4", fh)},
                            data={"csrf_token": token}, headers={"Accept": "application/json"},
                            timeout=60)  # fmt: skip
    assert answer.status_code == 201, answer.text
    video = answer.json()["video"]
    assert video["status"] == "ready_original"
    played = decode_over_http(
        f"{base}/media/{video['id']}/original.mp4", alice.cookies["vidstream_session"]
    )
    assert played.returncode == 0 and played.errors == "", played.errors
    assert abs(played.seconds - 2) <= 0.5
    log = server[0].log.read_text()
    assert f"database ready (revision {required_revision()})" in log
    assert "Traceback" not in log and "no such table" not in log


@pytest.fixture
def empty_mariadb() -> Iterator[str]:
    """A fresh database with no tables on the test MariaDB server, dropped afterwards."""
    if not TEST_DB:
        pytest.skip("set VIDSTREAM_TEST_DATABASE_URL to run")
    name = f"vidstream_unmigrated_{secrets.token_hex(4)}"
    engine = sa.create_engine(TEST_DB)
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4"))
    try:
        yield TEST_DB.rstrip("/") + "/" + name
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
        engine.dispose()


def _serve(tmp_path: Path, database_url: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("VIDSTREAM_")}
    env = {**clean, "VIDSTREAM_DATA_DIR": str(tmp_path / "data"),
           "VIDSTREAM_DATABASE_URL": database_url}  # fmt: skip
    argv = [vidstream_executable(), "serve", "--host", HOST, "--port", str(free_ports(1)[0])]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120, check=False)


def test_serve_refuses_an_unmigrated_external_database_with_one_line(
    tmp_path: Path, empty_mariadb: str
) -> None:
    refused = _serve(tmp_path, empty_mariadb)
    assert refused.returncode != 0
    lines = refused.stderr.strip().splitlines()
    assert lines == [f"Error: the database is empty (no schema yet); {BEHIND}"], refused.stderr

    behind = create_app(make_settings(tmp_path / "data", empty_mariadb, None))
    upgrade_database(behind, "0001")
    ready = behind.test_client().get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["down"] == {"schema": f"the database is at revision 0001; {BEHIND}"}
    again = _serve(tmp_path, empty_mariadb)
    assert again.returncode != 0
    assert again.stderr.strip() == f"Error: the database is at revision 0001; {BEHIND}"
