"""Two-factor sign-in in headless Chromium against a real ``vidstream serve``.

One journey, on ``http://localhost`` (a secure context whose host is a valid relying
party ID, which an IP address is not): an account sets up an authenticator app from
the QR page (``two-factor.png``, the documentation's picture) with a code computed
here, keeps its recovery codes, adds a passkey on Chromium's virtual authenticator
(the DevTools protocol's WebAuthn domain), signs out, signs in with the passkey alone,
then with the password and the passkey as the second step, then with the password and
an authenticator code. Every page on the way is axe-clean.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyotp
import pytest
from flask import Flask

from tests.support.browser import (
    PASSWORD,
    Screenshots,
    check_page,
    chromium,
    new_page,
    serve,
    sign_up,
    wait_until,
)
from vidstream.config import Settings

pytestmark = pytest.mark.e2e

AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
}


@pytest.fixture
def site(
    request: pytest.FixtureRequest, app: Flask, settings: Settings, tmp_path: Path
) -> Iterator[str]:
    """``vidstream serve`` in embedded mode, addressed as localhost; yields its URL."""
    with serve(request, settings, tmp_path / "logs", redis=False) as url:
        yield url.replace("127.0.0.1", "localhost")


@pytest.fixture
def browser() -> Iterator[Any]:
    """The system Chromium."""
    with chromium() as launched:
        yield launched


def sign_out(page: Any) -> None:
    """The navigation's sign-out button; the sign-in page opens."""
    page.click("nav button[type=submit]")
    page.wait_for_url("**/signin")


def password_step(page: Any) -> None:
    """Sign in with the password; the second step's page opens."""
    page.goto("/signin")
    page.fill("#username", "ada")
    page.fill("#password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/signin/second-factor")


def set_up_authenticator(page: Any, shots: Screenshots) -> str:
    """From the account page to a confirmed authenticator app; returns its secret."""
    page.goto("/account")
    page.get_by_role("link", name="Set up two-factor sign-in and passkeys").click()
    page.get_by_role("button", name="Set up two-factor sign-in").click()
    page.wait_for_selector("img.qr")
    check_page(page, shots, "two-factor", "light", publish=True)
    secret = page.text_content("#totp-secret") or ""
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    page.fill("#code", pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on").click()
    page.wait_for_selector(".recovery-codes")
    assert page.locator(".recovery-codes li").count() == 10
    check_page(page, shots, "two-factor-recovery", "light")
    return secret


def add_passkey(page: Any) -> None:
    """Chromium's virtual authenticator, then the page's "Add a passkey"."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})
    page.fill("#passkey-name", "Test laptop")
    page.get_by_role("button", name="Add a passkey").click()
    wait_until(page, "document.querySelector('table.tokens td')?.textContent === 'Test laptop'")


def test_two_factor_journey(site: str, browser: Any, tmp_path: Path) -> None:
    shots = Screenshots(tmp_path / "screenshots")
    page = new_page(browser, site, color_scheme="light")
    sign_up(page, "ada")
    secret = set_up_authenticator(page, shots)
    add_passkey(page)
    sign_out(page)

    check_page(page, shots, "signin-passkey", "light")
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url("**/stream")
    sign_out(page)

    password_step(page)
    check_page(page, shots, "second-step", "light")
    page.get_by_role("button", name="Use a passkey").click()
    page.wait_for_url("**/stream")
    sign_out(page)

    password_step(page)
    page.fill("#code", "000000")
    page.click("main form button[type=submit]")
    wait_until(page, "document.querySelector('#code-errors p') !== null")
    # The setup's code was spent; the next step's code is taken.
    page.fill("#code", pyotp.TOTP(secret).at(time.time() + 30))
    page.click("main form button[type=submit]")
    page.wait_for_url("**/stream")
