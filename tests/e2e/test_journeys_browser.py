"""Whole user journeys in headless Chromium against a real ``vidstream serve``.

The server runs in embedded mode (a job worker beside the web server), so uploads
are processed exactly as they are for a self-hosted install: the tests upload with
the resumable uploader and watch the videos become ready. Every test saves
screenshots under its temporary directory (``screenshots/``); the ones the README
shows are copied to ``VIDSTREAM_SCREENSHOTS_DIR`` when that is set.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.support.browser import (
    ALL_READY,
    DESKTOP,
    PASSWORD,
    PHONE,
    VIDEO,
    Screenshots,
    check_page,
    chromium,
    new_page,
    pick_files,
    serve,
    settle,
    sign_in,
    sign_up,
    videos,
    wait_until,
)
from vidstream.config import Settings

pytestmark = pytest.mark.e2e


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Fast encodes: the journeys check behaviour, not picture quality."""
    return {"x264_preset": "ultrafast"}


@pytest.fixture
def site(
    request: pytest.FixtureRequest, app: Flask, settings: Settings, tmp_path: Path
) -> Iterator[str]:
    """``vidstream serve`` in embedded mode on the test's database; yields its URL."""
    with serve(request, settings, tmp_path / "logs", redis=False) as url:
        yield url


@pytest.fixture
def browser() -> Iterator[Any]:
    """The system Chromium."""
    with chromium() as launched:
        yield launched


@pytest.fixture
def shots(tmp_path: Path) -> Screenshots:
    """Screenshots of this test."""
    return Screenshots(tmp_path / "screenshots")


def test_from_sign_up_to_sign_out(
    site: str, browser: Any, shots: Screenshots, tmp_path: Path
) -> None:
    page = new_page(browser, site)
    page.goto("/signup")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert page.locator("#username-errors p").inner_text()
    assert page.locator("#username").get_attribute("aria-invalid") == "true"
    shots.take(page, "signup-errors")

    sign_up(page, "dana")
    empty = page.locator(".empty")
    assert "No videos yet" in empty.inner_text()
    shots.take(page, "library-empty", publish=True)

    files = videos(tmp_path, "Harbour at dawn", "Night train")
    throttle = page.context.new_cdp_session(page)
    page.goto("/upload")
    throttle.send("Network.enable")
    throttle.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 256 * 1024},
    )
    page.set_input_files("#uploader-files", [str(f) for f in files])
    bar = "document.querySelector('.upload-item progress')"
    wait_until(page, f"{bar} && {bar}.value > 0.3 * {bar}.max && {bar}.value < {bar}.max")
    moving = page.evaluate(f"{bar}.value / {bar}.max")
    shots.take(page, "upload-progress", publish=True)
    throttle.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
    )
    wait_until(page, ALL_READY, timeout=120_000)
    assert 0 < moving < 1
    assert page.evaluate(f"{bar}.value === {bar}.max")
    assert sorted(page.locator(".upload-status a").all_inner_texts()) == [
        "Harbour at dawn", "Night train"
    ]  # fmt: skip

    page.goto("/stream")
    tiles = page.locator(".tile")
    assert tiles.count() == 2
    for tile in tiles.all():
        assert tile.locator(".thumb img").evaluate("img => img.complete && img.naturalWidth > 0")
        assert tile.locator(".duration").inner_text() == "0:06"
        assert tile.locator(".badge").inner_text() == "Ready"
    shots.take(page, "library", publish=True)

    page.get_by_role("link", name="Night train").click()
    play_seek_switch_and_preview(page, shots)

    page.get_by_role("button", name="Delete this video").click()
    page.wait_for_url("**/stream")
    assert page.locator(".tile .title").all_inner_texts() == ["Harbour at dawn"]

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/signin")
    page.goto("/stream")
    assert "/signin" in page.url
    shots.take(page, "signed-out")


def open_menu_item(page: Any, button: str, menu: str, text: str) -> Any:
    """The item ``text`` of a player menu, opened by its button.

    The pointer rests on the button first (the controls hide while it rests elsewhere),
    and the button is clicked only while the menu is closed: a second click on a menu
    that is still opening would close it again.
    """
    item = page.locator(f"{menu} media-chrome-menu-item", has_text=text)
    for _ in range(3):
        page.locator(button).hover()
        if not page.locator(menu).is_visible():
            page.locator(button).click()
        try:
            item.wait_for(state="visible", timeout=10_000)
            return item
        except PlaywrightTimeout:
            continue
    item.wait_for(state="visible", timeout=5_000)
    return item


def play_seek_switch_and_preview(page: Any, shots: Screenshots) -> None:
    """On a ready video's player: play, seek to 75 %, change quality, preview the seek bar."""
    wait_until(page, f"{VIDEO}.readyState >= 1", timeout=20_000)
    page.evaluate(f"{VIDEO}.muted = true")
    page.evaluate(f"{VIDEO}.play()")
    wait_until(page, f"{VIDEO}.currentTime > 0.5", timeout=10_000)
    assert page.evaluate(f"{VIDEO}.error") is None

    wait_until(page, f"!{VIDEO}.hasAttribute('controls')")  # the player's own controls
    box = page.locator("media-time-range").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] / 2)
    target = page.evaluate(f"{VIDEO}.duration * 0.75")
    wait_until(page, f"!{VIDEO}.paused && {VIDEO}.currentTime > {target} + 0.3", timeout=3_000)
    assert page.evaluate(f"{VIDEO}.error") is None

    # Natively or through hls.js, the ladder plays and its menu switches rungs (paused:
    # while playing, the controls and their menus hide once the pointer rests).
    page.evaluate(f"{VIDEO}.pause()")
    open_menu_item(page, "[data-quality-button]", "[data-quality-menu]", "240p").click()
    wait_until(page, "document.querySelector('[data-quality-label]').textContent === '240p'")
    wait_until(page, f"{VIDEO}.readyState >= 1")
    assert page.evaluate(f"{VIDEO}.error") is None

    box = page.locator("media-time-range").bounding_box()  # a new source may move it
    page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + box["height"] / 2)
    wait_until(
        page,
        "(document.querySelector('media-preview-thumbnail').getAttribute('mediapreviewimage')"
        " || '').includes('storyboard.jpg')",
    )
    shots.take(page, "player-journey")


def test_a_stranger_cannot_reach_someone_elses_video(
    site: str, browser: Any, shots: Screenshots, tmp_path: Path
) -> None:
    owner = new_page(browser, site)
    sign_up(owner, "dana")
    pick_files(owner, videos(tmp_path, "private"))
    link = owner.locator(".upload-status a")
    link.wait_for(timeout=30_000)
    player_url = link.get_attribute("href")
    assert player_url is not None
    public_id = player_url.rstrip("/").rsplit("/", 1)[1]

    stranger = new_page(browser, site)
    sign_up(stranger, "eve")
    assert stranger.goto(player_url).status == 404
    assert "private" not in stranger.content()
    shots.take(stranger, "stranger-not-found")
    for path in (f"/media/{public_id}/original.mp4", f"/api/videos/{public_id}"):
        assert stranger.request.get(path).status == 404, path
    stranger.goto("/stream")
    assert stranger.locator(".tile").count() == 0


def focused(page: Any) -> str:
    """What has the keyboard focus: ``#id``, else its accessible label or text."""
    return str(
        page.evaluate(
            """(() => {
              const e = document.activeElement;
              if (!e || e === document.body) return "";
              if (e.id) return "#" + e.id;
              return (e.getAttribute("aria-label") || e.textContent || e.tagName).trim();
            })()"""
        )
    )


def tab_to(page: Any, wanted: str, limit: int = 20) -> list[str]:
    """Press Tab until ``wanted`` has the focus; return every stop on the way."""
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stops.append(focused(page))
        if stops[-1] == wanted:
            return stops
    raise AssertionError(f"Tab never reached {wanted!r}: {stops}")


def test_keyboard_only(site: str, browser: Any, shots: Screenshots, tmp_path: Path) -> None:
    page = new_page(browser, site)
    page.goto("/signup")
    stops = tab_to(page, "#username")
    assert stops[:-1] == ["Skip to content", "vidstream", "Sign in", "Sign up"], stops
    page.keyboard.type("kay")
    assert tab_to(page, "#password") == ["#password"]
    page.keyboard.type(PASSWORD)
    assert tab_to(page, "#confirm") == ["#confirm"]
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/stream")

    tab_to(page, "Upload your first video")
    page.keyboard.press("Enter")
    page.wait_for_url("**/upload")
    tab_to(page, "#uploader-files")
    # The file input itself is hidden; its label, styled as a button, shows the focus.
    outline = page.locator("label[for=uploader-files]").evaluate(
        "e => getComputedStyle(e).outlineStyle"
    )
    assert outline != "none"
    shots.take(page, "upload-keyboard-focus")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files([str(f) for f in videos(tmp_path, "Keyboard clip")])
    wait_until(page, ALL_READY, timeout=120_000)

    tab_to(page, "Keyboard clip")
    page.keyboard.press("Enter")
    page.wait_for_url("**/stream/*")
    wait_until(page, f"{VIDEO}.readyState >= 1", timeout=20_000)
    wait_until(page, f"!{VIDEO}.hasAttribute('controls')")  # the player's own controls
    page.keyboard.press("l")  # on 10 s: the end of this 6 s video
    wait_until(page, f"{VIDEO}.currentTime > {VIDEO}.duration - 0.5", timeout=5_000)

    tab_to(page, "Delete this video", limit=60)
    page.keyboard.press("Enter")
    page.wait_for_url("**/stream")
    assert page.locator(".tile").count() == 0
    tab_to(page, "Sign out (kay)")
    page.keyboard.press("Enter")
    page.wait_for_url("**/signin")


LOOKS = [
    ("desktop-light", DESKTOP, "light"),
    ("phone-dark", PHONE, "dark"),
    ("phone-light", PHONE, "light"),
    ("desktop-dark", DESKTOP, "dark"),
]
PUBLISHED = {"library-phone-dark", "signup-errors-phone-dark"}


def test_pages_at_every_width_and_theme(
    site: str, browser: Any, shots: Screenshots, tmp_path: Path
) -> None:
    owner = new_page(browser, site)
    sign_up(owner, "lee")
    pick_files(owner, videos(tmp_path, "Morning swim"))
    wait_until(owner, ALL_READY, timeout=120_000)
    player_url = owner.locator(".upload-status a").get_attribute("href")

    for look, viewport, scheme in LOOKS:
        page = new_page(browser, site, viewport=viewport, color_scheme=scheme)
        page.goto("/signup")
        page.fill("#password", "short")
        with page.expect_navigation():
            page.click("main button[type=submit]")
        page.wait_for_selector("#password-errors p")
        check_page(
            page,
            shots,
            f"signup-errors-{look}",
            scheme,
            publish=f"signup-errors-{look}" in PUBLISHED,
        )
        page.goto("/signin")
        check_page(page, shots, f"signin-{look}", scheme)
        sign_in(page, "lee", PASSWORD)
        pages = [("library", "/stream"), ("player", player_url), ("upload", "/upload")]
        for name, path in [*pages, ("tokens", "/tokens")]:
            page.goto(path)
            if name == "player":
                wait_until(page, f"{VIDEO}.readyState >= 1", timeout=20_000)
                settle(page)
            shot = f"{name}-{look}"
            check_page(page, shots, shot, scheme, publish=shot in PUBLISHED)
        page.context.close()
