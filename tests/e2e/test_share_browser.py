"""Sharing, end to end, in headless Chromium against a real ``vidstream serve``.

One broad journey: the owner makes a video unlisted in the Details form, creates a
link with a label and a password in the Share panel and copies it; a fresh browser
with no account opens the link, gives the password, and the video plays and seeks.
An expired link shows its page; after the owner revokes the link, the same browser
gets 404 on reload and on a media URL it had. The share panel, the password page,
the share page and the public page are axe-checked at phone and desktop widths.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.support.browser import (
    ALL_READY,
    DESKTOP,
    PHONE,
    VIDEO,
    Screenshots,
    check_page,
    chromium,
    new_page,
    pick_files,
    serve,
    settle,
    sign_up,
    videos,
    wait_until,
)
from tests.support.sharing import expire
from vidstream.config import Settings

pytestmark = pytest.mark.e2e

LINK_PASSWORD = "open sesame"
LOOKS = [("desktop-light", DESKTOP, "light"), ("phone-dark", PHONE, "dark")]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Fast encodes: the journey checks behaviour, not picture quality."""
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


def at_every_width(page: Any, shots: Screenshots, name: str) -> None:
    """Check the page as it is at phone and desktop widths (fit, scheme, axe)."""
    for look, viewport, scheme in LOOKS:
        page.set_viewport_size(viewport)
        page.emulate_media(color_scheme=scheme)
        check_page(page, shots, f"{name}-{look}", scheme)
    page.set_viewport_size(DESKTOP)
    page.emulate_media(color_scheme="light")


def save_details(page: Any, visibility: str) -> None:
    """Choose who can watch in the Details form and save it."""
    page.check(f"#edit input[name=visibility][value={visibility}]")
    with page.expect_navigation():
        page.locator("#edit button[type=submit]").click()
    assert page.locator(f"#edit input[value={visibility}]").is_checked()


def create_link(page: Any, label: str, password: str = "") -> str:
    """Fill in the Share panel's link form, submit it, and return the link it shows once."""
    page.fill("#label", label)
    page.fill("#link-password", password)
    with page.expect_navigation():
        page.get_by_role("button", name="Create link").click()
    return str(page.locator("#new-link-url").input_value())


def play_and_seek(page: Any) -> None:
    """Play until the time moves, then seek to 75 % with the seek bar and play on from there."""
    wait_until(page, f"{VIDEO}.readyState >= 1", timeout=20_000)
    page.evaluate(f"{VIDEO}.muted = true")
    page.evaluate(f"{VIDEO}.play()")
    wait_until(page, f"{VIDEO}.currentTime > 0.5", timeout=10_000)
    wait_until(page, f"!{VIDEO}.hasAttribute('controls')")  # the player's own controls
    box = page.locator("media-time-range").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] / 2)
    target = page.evaluate(f"{VIDEO}.duration * 0.75")
    wait_until(page, f"!{VIDEO}.paused && {VIDEO}.currentTime > {target} + 0.3", timeout=5_000)
    assert page.evaluate(f"{VIDEO}.error") is None


def test_share_a_link_watch_it_and_revoke_it(
    app: Flask, site: str, browser: Any, shots: Screenshots, tmp_path: Path
) -> None:
    owner = new_page(browser, site)
    sign_up(owner, "robin")
    pick_files(owner, videos(tmp_path, "Harbour at dawn"))
    wait_until(owner, ALL_READY, timeout=120_000)
    owner.locator(".upload-status a").click()
    owner.wait_for_url("**/stream/*")
    player_url = owner.url
    assert "Share links work only while the video is unlisted" in owner.inner_text("#share")

    save_details(owner, "unlisted")
    link = create_link(owner, "For grandma", LINK_PASSWORD)
    assert link.startswith(f"{site}/s/")
    owner.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
    copy = owner.get_by_role("button", name="Copy link", exact=True)
    copy.click()
    wait_until(owner, "document.querySelector('[data-copy]').textContent === 'Copied'")
    assert owner.evaluate("navigator.clipboard.readText()") == link
    row = owner.locator("table.shares tbody tr")
    assert row.count() == 1 and "For grandma" in row.inner_text()
    assert "password" in row.inner_text()
    shots.take(owner.locator("#share"), "share-panel", publish=True)
    at_every_width(owner, shots, "player-sharing")

    viewer = new_page(browser, site)  # no account, no cookies
    assert viewer.goto(link).status == 200
    assert "Harbour" not in viewer.content()
    at_every_width(viewer, shots, "share-password")
    viewer.fill("#share-password", "not it")
    with viewer.expect_navigation():
        viewer.get_by_role("button", name="Watch").click()
    assert "not right" in viewer.inner_text("main")
    viewer.fill("#share-password", LINK_PASSWORD)
    with viewer.expect_navigation():
        viewer.get_by_role("button", name="Watch").click()
    assert viewer.locator("h1").inner_text() == "Harbour at dawn"
    play_and_seek(viewer)
    media_url = viewer.evaluate("document.querySelector('[data-player]').dataset.mp4")
    assert viewer.request.get(media_url).status == 200
    # Within the view window the same browser reopens the link without the password.
    assert viewer.goto(link).status == 200
    wait_until(viewer, f"{VIDEO}.readyState >= 1", timeout=20_000)
    viewer.evaluate(f"{VIDEO}.currentTime = 1")  # a frame, not a spinner, in the screenshots
    settle(viewer)
    shots.take(viewer, "share-page", publish=True)
    at_every_width(viewer, shots, "share-page")

    owner.goto(player_url)
    soon_gone = create_link(owner, "Expires")
    other = new_page(browser, site)
    assert other.goto(soon_gone).status == 200
    expire(app, soon_gone.removeprefix(site))
    expired = other.reload()
    assert expired.status == 410 and "This link has expired." in other.inner_text("main")
    shots.take(other, "share-expired")

    owner.goto(player_url)
    with owner.expect_navigation():
        owner.get_by_role("button", name="Revoke link For grandma").click()
    assert "For grandma" not in owner.inner_text("#share")
    gone = viewer.reload()
    assert gone.status == 404 and "Harbour" not in viewer.content()
    assert viewer.request.get(media_url).status == 404
    shots.take(viewer, "share-revoked")

    save_details(owner, "public")
    anyone = new_page(browser, site)
    assert anyone.goto("/u/robin").status == 200
    assert anyone.locator(".tile .title").all_inner_texts() == ["Harbour at dawn"]
    at_every_width(anyone, shots, "public-page")
