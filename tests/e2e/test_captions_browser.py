"""Captions in Chromium: the page's <track> loads its cues through the access check."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.support.accounts import AuthActions
from tests.support.browser import Screenshots, chromium, sign_in, wait_until
from tests.support.pipeline import live_server, process_now
from tests.support.sharing import api

pytestmark = pytest.mark.e2e

SRT = b"1\n00:00:00,100 --> 00:00:01,500\nHello <script>alert(1)</script>\n"
TRACK = "[...document.querySelector('video').textTracks].find(t => t.kind === 'subtitles')"
CHAPTERS = "0:00 Opening\n0:01 The middle\n0:02 Last words"


@pytest.fixture
def page(app: Flask, auth: AuthActions) -> Iterator[Any]:
    """A Chromium page signed in as alice (who also exists in ``auth``'s client)."""
    auth.signup("alice")
    with live_server(app) as url, chromium() as browser:
        page = browser.new_page(base_url=url)
        sign_in(page, "alice", "correct horse")
        yield page


def test_the_caption_track_loads_and_shows(
    app: Flask, page: Any, auth: AuthActions, sample_mp4: Path, tmp_path: Path
) -> None:
    vid = auth.upload(sample_mp4, json=True).get_json()["video"]["id"]
    process_now(app, vid)
    edit = {"title": "Harbour walk", "description": CHAPTERS}
    assert api(auth, "PATCH", f"/api/videos/{vid}", edit).status_code == 200
    form = {"file": (io.BytesIO(SRT), "en.srt"), "language": "en", "label": "English"}
    answer = auth.client.post(
        f"/api/videos/{vid}/captions", data=form, headers={"X-CSRFToken": auth.csrf()}
    )
    assert answer.status_code == 201
    page.goto(f"/stream/{vid}")
    wait_until(page, f"{TRACK} !== undefined")
    assert page.evaluate(f"[{TRACK}.kind, {TRACK}.language, {TRACK}.label]") == [
        "subtitles", "en", "English"
    ]  # fmt: skip
    page.evaluate(f"{TRACK}.mode = 'showing'")
    wait_until(page, f"{TRACK}.cues && {TRACK}.cues.length > 0")
    assert page.evaluate(f"{TRACK}.cues[0].text") == "Hello alert(1)"
    # The cue on the picture, above the control bars (lifted from the bottom line), the
    # chapters under the player: the README's picture.
    page.evaluate("document.querySelector('video').currentTime = 0.5")
    wait_until(page, f"{TRACK}.activeCues && {TRACK}.activeCues.length > 0")
    assert page.evaluate(f"{TRACK}.cues[0].line") == -4
    assert page.get_by_text("The middle").count() >= 1
    page.set_viewport_size({"width": 1280, "height": 940})
    Screenshots(tmp_path / "screenshots").take(
        page, "player-captions", publish=True, full_page=False
    )
