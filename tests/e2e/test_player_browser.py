"""The player and the library's live progress, driven in Chromium (static/player.js,
static/progress.js).

The app is served over HTTP from a thread; processing runs in the test itself (the
worker's own code path), so the page can be watched before, during and after it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update

from tests.support.accounts import AuthActions
from tests.support.browser import Screenshots, axe_violations, chromium, sign_in, wait_until
from tests.support.media import make_mp4
from tests.support.pipeline import live_server, process_now
from vidstream.extensions import db
from vidstream.models import PlaybackPosition, Video, VideoJob

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


VIDEO = "document.querySelector('video')"
SEGMENTS = re.compile(r"/hls/([0-9]+p)/seg_[0-9]+[.]m4s$")


def test_player_adapts_over_media_source_with_previews_speed_keys_resume_and_chapters(
    page: Any, app: Flask, auth: AuthActions, tmp_path: Path
) -> None:
    """Without native HLS the ladder plays through hls.js from a MediaSource, and every
    control of the player works: quality, previews, speed, keys, resume, ?t=, chapters."""
    page.add_init_script(NO_NATIVE_HLS)
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    source = make_mp4(tmp_path / "walk.mp4", seconds=20, size="640x360", faststart=True)
    public_id = auth.upload(source, json=True).get_json()["video"]["id"]
    description = "A walk.\n0:00 Start\n0:08 Harbour\n0:16 Home"
    auth.client.patch(
        f"/api/videos/{public_id}",
        json={"description": description},
        headers={"X-CSRFToken": auth.csrf()},
    )
    process_now(app, public_id)

    page.goto(f"/stream/{public_id}")
    wait_until(page, f"{VIDEO}.src.startsWith('blob:') && {VIDEO}.readyState >= 1", timeout=20_000)
    wait_until(page, f"!{VIDEO}.hasAttribute('controls')")
    assert page.locator("[data-chapters] li span").all_inner_texts() == ["Start", "Harbour", "Home"]
    assert page.locator("[data-chapters] time").all_inner_texts() == ["0:00", "0:08", "0:16"]

    # Quality: the menu lists Auto and each rung; choosing one fetches its segments.
    first = wait_for_segments(page, fetched)
    other = "240p" if "360p" in first else "360p"
    page.locator("[data-quality-button]").click()
    items = page.locator("[data-quality-menu] media-chrome-menu-item")
    assert [t.strip() for t in items.all_text_contents()] == ["Auto", "360p", "240p"]
    with page.expect_request(lambda request: f"/hls/{other}/seg_" in request.url):
        items.filter(has_text=other).click()
    assert wait_for_segments(page, fetched) == {"240p", "360p"}
    assert page.locator("[data-quality-label]").inner_text() == other

    # Playing from the keyboard (k), muted so that autoplay rules do not get in the way.
    page.evaluate(f"{VIDEO}.muted = true")
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press("k")
    wait_until(page, f"!{VIDEO}.paused && {VIDEO}.currentTime > 0.3", timeout=15_000)

    # Speed from the menu, then from the keyboard.
    page.locator("media-playback-rate-menu-button").click()
    page.locator("media-playback-rate-menu [role=menuitemradio]", has_text="1.5").click()
    wait_until(page, f"{VIDEO}.playbackRate === 1.5")
    page.keyboard.press("Escape")
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.keyboard.press(">")
    wait_until(page, f"{VIDEO}.playbackRate === 1.75")
    page.keyboard.press("<")
    page.keyboard.press("<")
    wait_until(page, f"{VIDEO}.playbackRate === 1.25")

    # Keys: k pauses, l goes on 10 s, m mutes and unmutes.
    page.keyboard.press("k")
    wait_until(page, f"{VIDEO}.paused")
    page.evaluate(f"{VIDEO}.currentTime = 1")
    wait_until(page, f"!{VIDEO}.seeking")
    page.keyboard.press("l")
    wait_until(page, f"Math.abs({VIDEO}.currentTime - 11) < 0.5")
    muted = page.evaluate(f"{VIDEO}.muted")
    page.keyboard.press("m")
    wait_until(page, f"{VIDEO}.muted === {str(not muted).lower()}")

    # The storyboard on the player's own seek bar.
    bar = page.locator("media-time-range").bounding_box()
    page.mouse.move(bar["x"] + bar["width"] * 0.6, bar["y"] + bar["height"] / 2)
    wait_until(
        page,
        "(document.querySelector('media-preview-thumbnail').getAttribute('mediapreviewimage')"
        " || '').includes('storyboard.jpg')",
    )
    shots = Screenshots(tmp_path / "shots")
    shots.take(page, "player", publish=True)
    assert axe_violations(page) == []

    # A pause saves the position (11 s): a reload offers to resume from there.
    page.evaluate(f"{VIDEO}.play().then(() => {VIDEO}.pause())")
    wait_until(page, f"{VIDEO}.paused")
    wait_until_saved(app, public_id, at_least=11)
    page.goto(f"/stream/{public_id}")
    resume = page.locator("[data-resume-go]")
    resume.wait_for()
    assert resume.inner_text() == "Resume from 0:11"
    resume.click()
    wait_until(page, f"Math.abs({VIDEO}.currentTime - 11) < 1")

    # ?t= starts there and wins over resuming; a chapter link seeks.
    page.goto(f"/stream/{public_id}?t=0m6s")
    wait_until(page, f"{VIDEO}.readyState >= 1 && Math.abs({VIDEO}.currentTime - 6) < 0.5")
    assert page.locator("[data-resume]").is_hidden()
    page.locator("[data-chapters] a", has_text="Home").click()
    wait_until(page, f"{VIDEO}.currentTime >= 16")


def wait_until_saved(app: Flask, public_id: str, at_least: float, timeout: float = 15.0) -> float:
    """The playback position saved for the video, once it is ``at_least`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        with app.app_context():
            seconds = db.session.scalar(
                select(PlaybackPosition.seconds)
                .join(Video, Video.id == PlaybackPosition.video_id)
                .where(Video.public_id == public_id)
            )
        if seconds is not None and seconds >= at_least:
            return float(seconds)
        assert time.monotonic() < deadline, "no position was saved"
        time.sleep(0.05)


def wait_for_segments(page: Any, fetched: list[str], timeout: float = 30.0) -> set[str]:
    """The renditions whose video segments were requested, once there is one."""
    deadline = time.monotonic() + timeout
    while True:
        found = {m.group(1) for m in map(SEGMENTS.search, fetched) if m}
        if found:
            return found
        assert time.monotonic() < deadline, f"no video segment was requested: {fetched}"
        page.evaluate("new Promise(resolve => setTimeout(resolve, 50))")  # lets events in


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
