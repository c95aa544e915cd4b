"""The account page in headless Chromium against a real ``vidstream serve``.

One short journey: the admin signs in from two browsers; the laptop's account page
lists both sessions (this one marked), signs the phone's out, and the phone's next
page is the sign-in page. Then the activity page and the admin's audit log show the
sign-ins. Each page is checked with axe-core (and for its width and colour scheme).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.support.browser import (
    PASSWORD,
    PHONE,
    Screenshots,
    check_page,
    chromium,
    new_page,
    serve,
    sign_in,
    sign_up,
)
from vidstream.config import Settings

pytestmark = pytest.mark.e2e


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


def test_signing_out_another_session_and_reading_the_audit_log(
    site: str, browser: Any, tmp_path: Path
) -> None:
    shots = Screenshots(tmp_path / "screenshots")
    laptop = new_page(browser, site, color_scheme="light")
    sign_up(laptop, "root")
    phone = new_page(browser, site, viewport=PHONE, color_scheme="dark")
    sign_in(phone, "root", PASSWORD)
    assert phone.goto("/account").status == 200

    laptop.goto("/account")
    rows = laptop.locator(".sessions-table tbody tr")
    assert rows.count() == 2
    assert laptop.get_by_text("This session").count() == 1
    check_page(laptop, shots, "account-sessions", "light", publish=True)
    laptop.get_by_role("button", name="Sign out the session on").click()
    laptop.wait_for_url("**/account")
    assert laptop.locator(".sessions-table tbody tr").count() == 1

    phone.goto("/account")
    phone.wait_for_url("**/signin**")

    laptop.goto("/account/activity")
    assert laptop.get_by_text("Ended another session").count() == 1
    check_page(laptop, shots, "activity-desktop-light", "light")
    laptop.goto("/admin/audit?event=signin")
    assert laptop.locator("table tbody tr").count() >= 1
    check_page(laptop, shots, "admin-audit", "light", publish=True)
