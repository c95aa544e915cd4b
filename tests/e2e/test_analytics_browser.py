"""Analytics in Chromium: what a player reports is what the stats page shows.

The owner plays a 20-second video for a measured stretch, seeks past the middle,
plays again and leaves the page (the beacon goes with ``navigator.sendBeacon`` on
``pagehide``); the stats show one view, the watch time within 2 s of what was played,
and a retention curve that is lower over the part skipped. A share-link viewer in a
fresh browser context then shows up under that share. The stats page is axe-clean.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.support.accounts import AuthActions
from tests.support.browser import Screenshots, axe_violations, chromium, sign_in, wait_until
from tests.support.media import make_mp4
from tests.support.pipeline import live_server

pytestmark = pytest.mark.e2e
VIDEO = "document.querySelector('video')"


@pytest.fixture
def site(app: Flask, auth: AuthActions) -> Iterator[tuple[str, Any]]:
    """The app over HTTP and a Chromium, with alice signed up."""
    auth.signup("alice")
    with live_server(app) as url, chromium() as browser:
        yield url, browser


def play_until(page: Any, seconds: float) -> float:
    """Play (muted) until the media clock reaches ``seconds``, pause; return where it stopped."""
    page.evaluate(f"{VIDEO}.muted = true; {VIDEO}.play()")
    wait_until(page, f"{VIDEO}.currentTime >= {seconds}", timeout=60_000)
    stopped: float = page.evaluate(f"{VIDEO}.pause(), {VIDEO}.currentTime")
    return stopped


def seek(page: Any, seconds: float) -> None:
    page.evaluate(f"{VIDEO}.currentTime = {seconds}")
    wait_until(page, f"!{VIDEO}.seeking && Math.abs({VIDEO}.currentTime - {seconds}) < 0.5")


def stats(page: Any, vid: str) -> Any:
    return page.evaluate("vid => fetch('/api/videos/' + vid + '/stats').then(r => r.json())", vid)


def test_watching_shows_up_in_the_stats(
    site: tuple[str, Any], auth: AuthActions, tmp_path: Path
) -> None:
    url, browser = site
    source = make_mp4(tmp_path / "twenty.mp4", seconds=20, size="320x180", faststart=True)
    vid = auth.upload(source, title="Twenty seconds", json=True).get_json()["video"]["id"]
    owner = browser.new_context(base_url=url, viewport={"width": 1100, "height": 900}).new_page()
    sign_in(owner, "alice", "correct horse")
    owner.goto(f"/stream/{vid}")
    wait_until(owner, f"{VIDEO}.readyState >= 1", timeout=20_000)
    first = play_until(owner, 4)
    seek(owner, 14)
    second = play_until(owner, 17) - 14
    played = first + second
    owner.goto("/stream")  # leaving the page sends the last beacon
    figures = wait_until(
        owner,
        f"fetch('/api/videos/{vid}/stats').then(r => r.json())"
        f".then(s => s.views === 1 && s.watch_seconds >= {played - 2} ? s : null)",
    )
    assert figures["views"] == 1
    assert abs(figures["watch_seconds"] - played) <= 2, (figures["watch_seconds"], played)
    retention = figures["retention"]
    watched = sum(retention[2:18]) / 16
    skipped = sum(retention[30:65]) / 35
    assert watched > 0.9 and skipped < 0.1, retention

    api = auth.client.patch(
        f"/api/videos/{vid}", json={"visibility": "unlisted"}, headers={"X-CSRFToken": auth.csrf()}
    )
    assert api.status_code == 200
    made = auth.client.post(
        f"/api/videos/{vid}/shares",
        json={"label": "for bob"},
        headers={"X-CSRFToken": auth.csrf()},
    )
    link = made.get_json()["share"]["url"].removeprefix("http://localhost")
    bob_context = browser.new_context(base_url=url)
    bob = bob_context.new_page()
    bob.goto(link)
    wait_until(bob, f"{VIDEO}.readyState >= 1", timeout=20_000)
    play_until(bob, 3)
    bob_context.close()  # closing the tab sends its beacon
    wait_until(
        owner,
        f"fetch('/api/videos/{vid}/stats').then(r => r.json())"
        ".then(s => s.shares.length === 1 && s.shares[0].views === 1)",
    )
    owner.goto(f"/stream/{vid}/stats")
    wait_until(owner, "document.querySelectorAll('.uplot').length === 2")
    assert owner.locator("[data-share] [data-share-views]").inner_text() == "1"
    assert axe_violations(owner) == []
    Screenshots(tmp_path / "screenshots").take(owner, "stats", publish=True)
    owner.goto("/stats")
    wait_until(owner, "document.querySelectorAll('.uplot').length === 1")
    assert axe_violations(owner) == []
