"""The player and the library's live progress, driven in Chromium (static/player.js,
static/progress.js).

The app is served over HTTP from a thread; processing runs in the test itself (the
worker's own code path), so the page can be watched before, during and after it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import update

from tests.support.accounts import AuthActions
from tests.support.browser import chromium, sign_in, wait_until
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
    auth.signup("alice")
    with live_server(app) as url, chromium() as browser:
        page = browser.new_page(base_url=url)
        sign_in(page, "alice", "correct horse")
        yield page


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
    wait_until(page, "document.querySelector('video').readyState >= 1", timeout=20_000)
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
        wait_until(
            page, "document.querySelector('video').currentSrc.endsWith('/hls/240p/index.m3u8')"
        )
        wait_until(page, "document.querySelector('video').readyState >= 1")
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
    wait_until(page, "Math.abs(document.querySelector('video').currentTime - 4.8) < 0.6")


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
    wait_until(page, "document.querySelector('.tile progress').value === 0.5")
    assert page.locator("[data-progress-label]").inner_text() == "Encoding streaming versions"

    process_now(app, public_id)
    page.locator(".tile .thumb img").wait_for(timeout=20_000)
    assert page.locator(".tile progress").count() == 0
    assert page.locator("[data-progress-status]").count() == 0
    assert page.locator(".tile .badge.ready").inner_text() == "Ready"
    assert page.evaluate("window.stillTheSamePage") is True
