"""The library's search, filters and collections in headless Chromium (axe-checked).

Rows are added straight to the served database (no media), so the test is about the
page, not the pipeline. The search screenshot is the README's.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from tests.support.browser import DESKTOP, Screenshots, axe_violations, chromium, serve
from tests.support.library import add_rows, minutes
from vidstream.config import Settings

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery"


@pytest.fixture
def site(
    request: pytest.FixtureRequest, app: Flask, settings: Settings, tmp_path: Path
) -> Iterator[str]:
    """``vidstream serve`` on the test's database; yields its URL."""
    with serve(request, settings, tmp_path / "logs", redis=False) as url:
        yield url


def test_search_filter_and_play_a_collection_through(site: str, app: Flask, tmp_path: Path) -> None:
    shots = Screenshots(tmp_path / "screenshots")
    with chromium() as browser:
        page = browser.new_context(base_url=site, viewport=DESKTOP).new_page()
        page.goto("/signup")
        page.fill("#username", "alice")
        page.fill("#password", PASSWORD)
        page.fill("#confirm", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url("**/stream")
        titles = ["Beach day in Nice", "Beach volleyball final", "Snowy mountain hike",
                  "Birthday party", "Beach sunset timelapse", "Concert: live set"]  # fmt: skip
        add_rows(app, "alice", [
            {"title": t, "created_at": minutes(i), "duration_seconds": 30.0 + 61 * i,
             "tags": ["summer", "family"] if "Beach" in t else ["winter"]}
            for i, t in enumerate(titles)
        ])  # fmt: skip
        page.goto("/stream")
        page.fill("#q", "beach")
        page.select_option("#sort", "title")
        page.select_option("#tag", "summer")
        page.click(".library-filters button[type=submit]")
        page.wait_for_url("**/stream?*q=beach*")
        shown = page.locator(".tile .title").all_inner_texts()
        assert shown == ["Beach day in Nice", "Beach sunset timelapse", "Beach volleyball final"]
        assert page.input_value("#q") == "beach"
        assert axe_violations(page) == []
        shots.take(page, "library-search", publish=True)

        page.goto("/collections")
        page.fill("#name", "Summer reel")
        page.click("main button[type=submit]")
        page.wait_for_url("**/collections/*")
        collection_url = page.url
        for title in ("Beach sunset timelapse", "Beach day in Nice"):
            page.goto("/stream?q=" + title.split()[1])
            page.click(f"text={title}")
            page.click("#collections button[type=submit]")
        page.goto(collection_url)
        assert page.locator("ol.collection .title").all_inner_texts() == [
            "Beach sunset timelapse", "Beach day in Nice"
        ]  # fmt: skip
        assert axe_violations(page) == []
        page.click("text=Play all")
        page.click("a[data-play-next]")
        assert page.locator("h1").inner_text() == "Beach day in Nice"
        assert page.locator(".playthrough").inner_text().find("Last video") >= 0
