"""The upload page's resumable uploader (static/uploader.js), driven in Chromium.

``vidstream serve`` runs all three services; Playwright drives the system Chromium.
Several files upload at once; a slow upload is paused, the page reloaded, the same
file picked again, and the upload continues where it stopped; a cancelled upload
leaves nothing behind.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.support.browser import chromium, serve, sign_in, wait_until
from tests.support.media import make_large_mp4, make_mp4
from vidstream import current
from vidstream.config import Settings
from vidstream.extensions import db
from vidstream.models import Upload, Video, VideoStatus
from vidstream.services.auth.logic import create_user

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"
MIB = 1024 * 1024


@pytest.fixture
def site(
    request: pytest.FixtureRequest, app: Flask, settings: Settings, tmp_path: Path
) -> Iterator[str]:
    """``vidstream serve`` on the test's database and data directory; yields its URL."""
    with serve(request, settings, tmp_path / "logs") as url:
        with app.app_context():
            create_user("dana", PASSWORD)
        yield url


@pytest.fixture
def page(site: str) -> Iterator[Any]:
    """A signed-in Chromium page."""
    with chromium() as browser:
        page = browser.new_page(base_url=site)
        sign_in(page, "dana", PASSWORD)
        yield page


def _count(app: Flask, model: type[Any]) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_several_files_upload_and_show_their_videos(page: Any, app: Flask, tmp_path: Path) -> None:
    first = make_mp4(tmp_path / "first.mp4", seconds=1)
    second = make_mp4(tmp_path / "second clip.mp4", seconds=1, audio=False)
    page.goto("/upload")
    assert page.locator("form[data-tus-endpoint]").is_hidden()
    page.set_input_files("#uploader-files", [str(first), str(second)])
    links = page.locator(".upload-status a")
    links.nth(1).wait_for(timeout=30_000)
    assert _count(app, Video) == 2
    # Then the page follows the videos' processing through the JSON API (where a job
    # worker runs beside the server, until they are ready).
    statuses = "[...document.querySelectorAll('.upload-status')]"
    wait_until(page, f"{statuses}.every(s => !s.textContent.endsWith(' uploaded'))")
    assert sorted(links.all_inner_texts()) == ["first", "second clip"]
    shown = {text.rsplit(" · ", 1)[1] for text in page.locator(".upload-status").all_inner_texts()}
    assert shown <= {s.value.replace("_", " ") for s in VideoStatus} - {"failed"}, shown
    page.goto("/stream")
    assert page.get_by_text("second clip").is_visible()


def test_pause_reload_and_resume(page: Any, app: Flask, tmp_path: Path) -> None:
    big = make_large_mp4(tmp_path / "long talk.mp4", 40 * MIB)
    page.goto("/upload")
    network = page.context.new_cdp_session(page)
    network.send("Network.enable")
    slow = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 4 * MIB}
    network.send("Network.emulateNetworkConditions", slow)
    page.set_input_files("#uploader-files", str(big))
    wait_until(
        page,
        "document.querySelector('.upload-item progress').value > 6 * 1024 * 1024",
        timeout=30_000,
    )
    page.get_by_role("button", name="Pause").click()
    page.get_by_text("Paused at").wait_for()
    assert "left" not in page.locator(".upload-status").inner_text()

    page.reload()
    assert "Unfinished: long talk.mp4" in page.locator(".upload-pending").inner_text()
    network = page.context.new_cdp_session(page)
    network.send("Network.enable")
    network.send("Network.emulateNetworkConditions", {**slow, "uploadThroughput": -1})
    page.set_input_files("#uploader-files", str(big))
    page.get_by_text("Resuming at").or_(page.locator(".upload-status a")).first.wait_for()
    page.locator(".upload-status a").wait_for(timeout=60_000)
    assert _count(app, Upload) == 1  # the same upload, continued
    with app.app_context():
        video = db.session.scalars(select(Video)).one()
        stored = current.storage(app).path(video.original_key)
    assert hashlib.sha256(stored.read_bytes()).digest() == hashlib.sha256(big.read_bytes()).digest()


def test_cancel_leaves_nothing(page: Any, app: Flask, tmp_path: Path) -> None:
    big = make_large_mp4(tmp_path / "mistake.mp4", 24 * MIB)
    page.goto("/upload")
    network = page.context.new_cdp_session(page)
    network.send("Network.enable")
    network.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 2 * MIB},
    )
    page.set_input_files("#uploader-files", str(big))
    wait_until(page, "document.querySelector('.upload-item progress').value > 0")
    page.get_by_role("button", name="Cancel").click()
    page.get_by_text("Cancelled.").wait_for()
    wait_until(page, "localStorage.getItem('vidstream.uploads') === '{}'")
    deadline_checks = 50
    while _count(app, Upload) and deadline_checks:
        page.wait_for_timeout(100)
        deadline_checks -= 1
    assert (_count(app, Upload), _count(app, Video)) == (0, 0)
