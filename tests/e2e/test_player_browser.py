"""The player and the library's live progress, driven in Chromium (static/player.js,
static/progress.js).

The app is served over HTTP from a thread; processing runs in the test itself (the
worker's own code path), so the page can be watched before, during and after it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update

from tests.conftest import AuthActions
from tests.support.media import make_mp4
from tests.support.pipeline import live_server, process_now
from vidstream.extensions import db
from vidstream.models import VideoJob

pytestmark = pytest.mark.e2e


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Fast encodes: the browser checks behaviour, not picture quality."""
    return {"x264_preset": "ultrafast"}


@pytest.fixture
def page(app: Flask, auth: AuthActions) -> Iterator[Any]:
    """A Chromium page signed in as alice (who also exists in ``auth``'s client)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true and chromium is not installed")
        pytest.skip("chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    auth.signup("alice")
    with live_server(app) as url, sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox"],
        )
        page = browser.new_page(base_url=url)
        page.goto("/signin")
        page.fill("#username", "alice")
        page.fill("#password", "correct horse")
        page.click("button[type=submit]")
        page.wait_for_url("**/stream")
        yield page
        browser.close()


# Chromium may or may not play HLS itself; the second run takes that away, so the
# MP4 fallback is exercised either way.
NO_NATIVE_HLS = """
const canPlayType = HTMLMediaElement.prototype.canPlayType;
HTMLMediaElement.prototype.canPlayType = function (type) {
  return type.includes("mpegurl") ? "" : canPlayType.call(this, type);
};
"""


@pytest.mark.parametrize("hls", ["as_the_browser_has_it", "without_native_hls"])
def test_player_plays_and_previews_the_storyboard(
    page: Any, app: Flask, auth: AuthActions, tmp_path: Path, hls: str
) -> None:
    if hls == "without_native_hls":
        page.add_init_script(NO_NATIVE_HLS)
    source = make_mp4(tmp_path / "walk.mp4", seconds=8, size="640x360", faststart=True)
    public_id = auth.upload(source, json=True).get_json()["video"]["id"]
    process_now(app, public_id)
    page.goto(f"/stream/{public_id}")
    page.wait_for_function("document.querySelector('video').readyState >= 1", timeout=20_000)
    assert abs(page.evaluate("document.querySelector('video').duration") - 8) < 0.5
    source_url = page.evaluate("document.querySelector('video').currentSrc")
    native_hls = page.evaluate(
        "document.querySelector('video').canPlayType('application/vnd.apple.mpegurl') !== ''"
    )
    quality = page.locator("[data-quality]")
    if native_hls:
        assert source_url.endswith(f"/media/{public_id}/hls/master.m3u8")
        quality.wait_for()
        assert page.locator("[data-quality-select] option").all_inner_texts() == [
            "Auto", "360p", "240p"
        ]  # fmt: skip
        page.select_option("[data-quality-select]", label="240p")
        page.wait_for_function(
            "document.querySelector('video').currentSrc.endsWith('/hls/240p/index.m3u8')"
        )
        page.wait_for_function("document.querySelector('video').readyState >= 1")
    else:  # the faststart original, which starts at once and seeks by range
        assert source_url.endswith(f"/media/{public_id}/original.mp4")
        assert quality.is_hidden()

    scrubber = page.locator("[data-scrubber-range]")
    scrubber.wait_for()
    box = scrubber.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2)
    preview = page.locator("[data-scrubber-preview]")
    preview.wait_for()
    image = page.locator("[data-scrubber-image]")
    assert "storyboard.jpg" in image.evaluate("e => e.style.backgroundImage")
    assert image.evaluate("e => e.style.backgroundPosition") == "-320px 0px"  # the 4.8 s tile
    assert page.locator("[data-scrubber-time]").inner_text() == "0:04"
    page.mouse.click(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2)
    page.wait_for_function("Math.abs(document.querySelector('video').currentTime - 4.8) < 0.6")


def test_library_progress_updates_without_reloading(
    page: Any, app: Flask, auth: AuthActions, tmp_path: Path
) -> None:
    source = make_mp4(tmp_path / "talk.mp4", seconds=3, size="320x240")
    public_id = auth.upload(source, json=True).get_json()["video"]["id"]
    page.goto("/stream")
    page.evaluate("window.stillTheSamePage = true")
    bar = page.locator(".tile progress")
    assert bar.evaluate("e => e.value") == 0
    assert page.locator("[data-progress-status]").text_content() == "validating"

    with app.app_context():
        db.session.execute(update(VideoJob).values(step="renditions", progress=0.5))
        db.session.commit()
    page.wait_for_function("document.querySelector('.tile progress').value === 0.5")
    assert page.locator("[data-progress-label]").inner_text() == "Encoding streaming versions"

    process_now(app, public_id)
    page.locator(".tile .thumb img").wait_for(timeout=20_000)
    assert page.locator(".tile progress").count() == 0
    assert page.locator("[data-progress-status]").count() == 0
    assert page.evaluate("window.stillTheSamePage") is True
