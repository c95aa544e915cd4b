"""``kill -9`` of the upload service while a form upload's body is arriving.

The body is sent over a raw socket and held part-way, so the server is killed while
it is writing the file part to staging. Whether only the gunicorn worker dies (its
master starts another) or the whole server (it is started again), no video row and
no stored file may appear, the staging file the dead process was writing is swept
away, and the next upload succeeds. (``kill -9`` during a resumable upload is
tests/e2e/test_tus_resume.py.)
"""

from __future__ import annotations

import http.client
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask import Flask
from sqlalchemy import select

from tests.support.accounts import AuthActions
from tests.support.consistency import assert_consistent, staging_leftovers, stored_files
from tests.support.media import make_large_mp4
from tests.support.restartable import RestartableServer, server_env, serving
from tests.support.slow_upload import SlowUpload
from tests.support.waiting import wait_until
from vidstream.config import Settings
from vidstream.extensions import db
from vidstream.models import Video
from vidstream.services.upload.staging import sweep_staging

pytestmark = pytest.mark.e2e

MIB = 1024 * 1024


@pytest.fixture
def upload_server(
    request: pytest.FixtureRequest, app: Flask, settings: Settings, tmp_path: Path
) -> Iterator[RestartableServer]:
    """``vidstream serve --service upload`` on this test's database and data dir."""
    with serving(request, server_env(settings), tmp_path / "logs", service="upload") as server:
        yield server


def _video_ids(app: Flask) -> list[str]:
    with app.app_context():
        ids = list(db.session.scalars(select(Video.public_id)))
        db.session.rollback()
    return ids


def _start_upload(server: RestartableServer, source: Path, browser: dict[str, str]) -> SlowUpload:
    """Send the first 16 MiB of the upload; return once the server wrote 8 MiB to staging."""
    upload = SlowUpload(
        server.url,
        source,
        {"csrf_token": browser["csrf"], "title": "holiday"},
        {"Cookie": browser["cookie"], "Accept": "application/json"},
    )
    upload.send(16 * MIB)
    staging = Path(server.env["VIDSTREAM_DATA_DIR"])
    wait_until(
        "the body in staging",
        lambda: any(p.stat().st_size >= 8 * MIB for p in staging_leftovers(staging)),
    )
    return upload


def _gets_no_answer(upload: SlowUpload) -> None:
    with pytest.raises((OSError, http.client.HTTPException)):
        upload.answer(timeout=10)
    upload.close()


def test_kill_9_mid_form_upload_leaves_nothing_and_the_next_one_works(
    app: Flask,
    auth: AuthActions,
    settings: Settings,
    upload_server: RestartableServer,
    tmp_path: Path,
    sample_mp4: Path,
) -> None:
    auth.signup("alice")
    cookie = auth.client.get_cookie("vidstream_session")
    assert cookie is not None
    browser = {"cookie": f"vidstream_session={cookie.value}", "csrf": auth.csrf()}
    source = make_large_mp4(tmp_path / "holiday.mp4", 48 * MIB)

    # The worker alone: its master starts another one, which sweeps what it left.
    first = _start_upload(upload_server, source, browser)
    (leftover,) = staging_leftovers(settings.data_dir)
    assert sweep_staging(settings.staging_dir) == 0  # a live upload's file is left alone
    upload_server.kill9_worker()
    _gets_no_answer(first)
    wait_until("the new worker to sweep staging", lambda: not leftover.exists())

    # The whole server: the file stays while it is down, and its next start sweeps it.
    second = _start_upload(upload_server, source, browser)
    upload_server.kill9()
    _gets_no_answer(second)
    assert len(staging_leftovers(settings.data_dir)) == 1
    assert _video_ids(app) == [] and stored_files(settings.data_dir) == []
    assert_consistent(upload_server.env)
    upload_server.start()
    assert staging_leftovers(settings.data_dir) == []

    with sample_mp4.open("rb") as fh:
        answer = requests.post(
            f"{upload_server.url}/upload",
            files={"filename": ("sample.mp4", fh, "video/mp4")},
            data={"csrf_token": browser["csrf"]},
            headers={"Cookie": browser["cookie"], "Accept": "application/json"},
            timeout=60,
        )
    assert answer.status_code == 201, answer.text
    video_id = answer.json()["video"]["id"]
    assert _video_ids(app) == [video_id]
    assert stored_files(settings.data_dir) == [f"videos/{video_id}/original.mp4"]
    assert staging_leftovers(settings.data_dir) == []
    assert_consistent(upload_server.env)
