"""Captions in Chromium: the page's <track> loads its cues through the access check."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.support.accounts import AuthActions
from tests.support.browser import chromium, sign_in, wait_until
from tests.support.pipeline import live_server

pytestmark = pytest.mark.e2e

SRT = b"1\n00:00:00,100 --> 00:00:01,500\nHello <script>alert(1)</script>\n"
TRACK = "document.querySelector('video').textTracks[0]"


@pytest.fixture
def page(app: Flask, auth: AuthActions) -> Iterator[Any]:
    """A Chromium page signed in as alice (who also exists in ``auth``'s client)."""
    auth.signup("alice")
    with live_server(app) as url, chromium() as browser:
        page = browser.new_page(base_url=url)
        sign_in(page, "alice", "correct horse")
        yield page


def test_the_caption_track_loads_and_shows(page: Any, auth: AuthActions, sample_mp4: Path) -> None:
    vid = auth.upload(sample_mp4, json=True).get_json()["video"]["id"]
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
