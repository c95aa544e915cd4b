"""The admin console in headless Chromium against a real ``vidstream serve``.

One journey: the first account (the admin) finds the console from the navigation,
reads the users table, changes a member's limits, disables and enables them, looks at
jobs and storage, switches sign-up to invitations, makes an invitation link and copies
it, and deletes the member after typing their name. Every console page is checked with
axe-core at phone and desktop widths, in both themes; ``admin-users.png`` is the
README's picture of the console.
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
    PASSWORD,
    PHONE,
    Screenshots,
    check_page,
    chromium,
    new_page,
    pick_files,
    serve,
    sign_up,
    videos,
    wait_until,
)
from vidstream.config import Settings

pytestmark = pytest.mark.e2e

PAGES = ["/admin", "/admin/users/pat", "/admin/jobs", "/admin/storage", "/admin/settings"]
LOOKS = [("phone-dark", PHONE, "dark"), ("desktop-light", DESKTOP, "light")]


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Fast encodes: the journey checks the console, not picture quality."""
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


def test_the_admin_console_journey(site: str, browser: Any, tmp_path: Path) -> None:
    shots = Screenshots(tmp_path / "screenshots")
    admin = new_page(browser, site)
    sign_up(admin, "root")  # the first account: the admin
    pick_files(admin, videos(tmp_path, "Team meeting"))
    wait_until(admin, ALL_READY, timeout=120_000)
    link = invite(admin, site)
    member = new_page(browser, site)
    member.goto(link)
    member.fill("#username", "pat")
    member.fill("#password", PASSWORD)
    member.fill("#confirm", PASSWORD)
    member.click("main button[type=submit]")
    member.wait_for_url("**/stream")
    assert member.get_by_role("link", name="Admin").count() == 0
    assert member.goto("/admin").status == 403
    pick_files(member, videos(tmp_path, "Harbour at dawn", "Night train"))
    wait_until(member, ALL_READY, timeout=120_000)

    admin.goto("/stream")
    admin.get_by_role("link", name="Admin").click()
    admin.wait_for_url("**/admin")
    names = admin.locator(".admin-table tbody td:first-child").all_inner_texts()
    assert names == ["pat", "root"]
    check_page(admin, shots, "admin-users", "light", publish=True)

    admin.get_by_role("link", name="pat").click()
    admin.fill("#quota_mib", "500")
    admin.fill("#daily_limit", "10")
    admin.get_by_role("button", name="Save").click()
    assert "Saved pat's role and limits." in admin.locator(".notice.success").inner_text()
    admin.get_by_role("button", name="Disable pat").click()
    assert "every session and token" in admin.locator(".notice.success").inner_text()
    member.goto("/stream")
    assert "/signin" in member.url  # the member's session ended at once
    admin.get_by_role("button", name="Enable pat").click()
    assert "pat is enabled." in admin.locator(".notice.success").inner_text()

    admin.get_by_role("link", name="Jobs").click()
    assert admin.locator("h2", has_text="Failed").count() == 1
    admin.get_by_role("link", name="Storage").click()
    assert admin.locator(".stat-totals dt", has_text="Free").count() == 1

    admin.get_by_role("link", name="Settings").click()
    admin.select_option("#signup", "closed")
    admin.get_by_role("button", name="Save settings").click()
    assert "saved here" in admin.locator("main").inner_text()
    assert member.goto("/signup").status == 403

    admin.get_by_role("link", name="Invitations").click()
    assert admin.locator(".admin-table tbody tr").count() == 0  # pat used the one made
    invite(admin, site, note="for gran")
    check_page(admin, shots, "admin-invitation", "light")

    for look, viewport, scheme in LOOKS:
        page = new_page(browser, site, viewport=viewport, color_scheme=scheme)
        page.context.add_cookies(admin.context.cookies())
        for path in [*PAGES, "/admin/invitations"]:
            page.goto(path)
            name = path.strip("/").replace("/", "-")
            check_page(page, shots, f"{name}-{look}", scheme)
        page.context.close()

    admin.goto("/admin/users/pat")
    admin.get_by_role("button", name="Delete pat").click()
    assert "username to delete it" in admin.locator("#confirm-errors").inner_text()
    admin.fill("#confirm", "pa")
    admin.get_by_role("button", name="Delete pat").click()
    assert "Type pat exactly" in admin.locator("#confirm-errors").inner_text()
    admin.fill("#confirm", "pat")
    admin.get_by_role("button", name="Delete pat").click()
    admin.wait_for_url("**/admin")
    assert "Deleted pat and 2 video(s)." in admin.locator(".notice.success").inner_text()
    assert admin.locator(".admin-table tbody td:first-child").all_inner_texts() == ["root"]


def invite(admin: Any, site: str, note: str = "") -> str:
    """Make a member invitation in the console, copy its link, and return it."""
    admin.goto("/admin/invitations")
    admin.select_option("#role", "member")
    admin.fill("#note", note)
    admin.get_by_role("button", name="Create invitation").click()
    link = str(admin.locator("#new-invitation-url").input_value())
    admin.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=site)
    admin.get_by_role("button", name="Copy link", exact=True).click()
    wait_until(admin, "document.querySelector('[data-copy]').textContent === 'Copied'")
    assert admin.evaluate("navigator.clipboard.readText()") == link
    assert "/invite/" in link
    return link
