"""Shared pieces of the browser tests: Debian's Chromium under Playwright, a real
``vidstream serve`` to drive it against, screenshots and axe-core checks.

The system Chromium is used (never a downloaded one). Where it is missing the
browser tests skip, except under ``CI=true``, where that is a failure. Screenshots
go to the test's own directory; set ``VIDSTREAM_SCREENSHOTS_DIR`` to also copy the
ones meant for the documentation there (``docs/screenshots`` in the README).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest

from tests.support.media import make_mp4
from tests.support.servers import (
    ROOT,
    ServerProcess,
    free_ports,
    show_logs_on_failure,
    start_vidstream,
    wait_for_url,
)
from vidstream.config import Settings

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
AXE_JS = ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "correct horse battery"
STATUSES = "[...document.querySelectorAll('.upload-status')]"
ALL_READY = f"{STATUSES}.length > 0 && {STATUSES}.every(s => s.textContent.endsWith(' · ready'))"
VIDEO = "document.querySelector('video')"


def _missing(what: str) -> None:
    """Skip for a missing tool, or fail under ``CI=true`` where every check must run."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true and {what}")
    pytest.skip(what)


def chromium_path() -> str:
    """The system Chromium's executable."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        _missing("chromium is not installed")
    assert path is not None
    return path


@contextmanager
def chromium() -> Iterator[Any]:
    """A launched headless Chromium (a Playwright ``Browser``), closed afterwards."""
    executable = chromium_path()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def sign_in(page: Any, username: str, password: str) -> None:
    """Sign in through the form and wait for the library."""
    page.goto("/signin")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("main button[type=submit]")
    page.wait_for_url("**/stream")


def server_env(settings: Settings, *, redis: bool = True) -> dict[str, str]:
    """``VIDSTREAM_*`` variables for a server on the test's database and data directory.

    Without ``redis`` the server runs in embedded mode and processes uploads itself
    with a job worker beside the web server.
    """
    env = {
        "VIDSTREAM_DATA_DIR": str(settings.data_dir),
        "VIDSTREAM_DATABASE_URL": settings.database_url,
        "VIDSTREAM_SECRET_KEY": settings.secret_key,
        # As the in-process tests: several people sign up (tests of the modes set their own).
        "VIDSTREAM_SIGNUP": settings.signup or "open",
        "VIDSTREAM_X264_PRESET": settings.x264_preset,
        "VIDSTREAM_WORKERS": "1",
        "VIDSTREAM_THREADS": "8",
    }
    if redis and settings.redis_url:
        env |= {
            "VIDSTREAM_REDIS_URL": settings.redis_url,
            "VIDSTREAM_REDIS_PREFIX": settings.redis_prefix,
        }
    return env


@contextmanager
def serve(
    request: pytest.FixtureRequest, settings: Settings, log_dir: Path, *, redis: bool = True
) -> Iterator[str]:
    """``vidstream serve`` (all services) on the test's settings; yields its base URL."""
    failed_before = request.session.testsfailed
    env = server_env(settings, redis=redis)
    server: ServerProcess = start_vidstream(None, free_ports(1)[0], env, log_dir)
    try:
        wait_for_url(server, "/signin")
        yield server.url
    finally:
        show_logs_on_failure(request, [server], failed_before)
        server.stop()


class Screenshots:
    """Saves full-page screenshots under ``directory``; some are also published.

    ``publish`` names a screenshot for the documentation: it is copied to
    ``VIDSTREAM_SCREENSHOTS_DIR`` when that is set, and only then.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        target = os.environ.get("VIDSTREAM_SCREENSHOTS_DIR", "").strip()
        self.published = Path(target) if target else None

    def take(self, page: Any, name: str, *, publish: bool = False, full_page: bool = True) -> Path:
        """Save ``name``.png from ``page`` (or from one element: a Playwright locator)."""
        path = self.directory / f"{name}.png"
        if hasattr(page, "bounding_box"):
            page.screenshot(path=str(path), animations="disabled")
        else:
            page.screenshot(path=str(path), full_page=full_page, animations="disabled")
        if publish and self.published is not None:
            self.published.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, self.published / path.name)
        return path


def axe_violations(page: Any) -> list[str]:
    """axe-core's WCAG A/AA violations on ``page``, one line each (rule: targets).

    axe-core comes from the npm registry into ``.cache/axe`` (``.ci/run`` installs it).
    """
    if not AXE_JS.exists():
        _missing(f"axe-core is missing: npm install --prefix .cache/axe axe-core ({AXE_JS})")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated rather than added as a <script>, which a Content-Security-Policy may refuse.
        page.evaluate(AXE_JS.read_text())
    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa"]}}
    result = page.evaluate("options => window.axe.run(document, options)", options)
    return [
        f"{v['id']} ({v['impact']}): {', '.join(str(n['target']) for n in v['nodes'])}"
        for v in result["violations"]
    ]


def wait_until(page: Any, expression: str, timeout: float = 30_000) -> Any:
    """Poll a JavaScript expression until it is truthy; return its value.

    Playwright's ``wait_for_function`` compiles its predicate with ``new Function``,
    which the app's Content-Security-Policy (no ``unsafe-eval``) refuses; ``evaluate``
    is not subject to it, so the polling happens from here.
    """
    deadline = time.monotonic() + timeout / 1000
    while True:
        try:
            value = page.evaluate(expression)
            failure = ""
        except Exception as error:  # e.g. the element it reads is not there yet
            value, failure = None, f" ({error})"
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout / 1000:.0f} s: {expression}{failure}")
        time.sleep(0.05)


def new_page(browser: Any, site: str, **options: Any) -> Any:
    """A page in a fresh context (its own cookies), desktop-sized unless told otherwise."""
    context = browser.new_context(
        base_url=site, viewport=options.pop("viewport", DESKTOP), **options
    )
    return context.new_page()


def sign_up(page: Any, username: str) -> None:
    """Create an account through the form; the library opens."""
    page.goto("/signup")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/stream")


def pick_files(page: Any, files: list[Path]) -> None:
    """Open the upload page and hand ``files`` to the resumable uploader."""
    page.goto("/upload")
    page.set_input_files("#uploader-files", [str(f) for f in files])


def videos(tmp_path: Path, *names: str) -> list[Path]:
    """Short generated MP4s, one per name."""
    return [make_mp4(tmp_path / f"{name}.mp4", seconds=6, size="640x360") for name in names]


def settle(page: Any) -> None:
    """Give the player a moment to show its first frame rather than a loading spinner.

    Only the screenshot depends on it, so a slow first frame is not a failure.
    """
    with suppress(AssertionError):
        wait_until(page, f"{VIDEO}.readyState >= 2 && !{VIDEO}.seeking", timeout=3_000)


def check_page(
    page: Any, shots: Screenshots, name: str, scheme: str, *, publish: bool = False
) -> None:
    """The page fits its width, follows the colour scheme and has no axe violations."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name} is {overflow}px wider than the window"
    red, green, blue = page.evaluate(
        "getComputedStyle(document.body).backgroundColor.match(/\\d+/g).slice(0, 3).map(Number)"
    )
    assert (red + green + blue > 600) == (scheme == "light"), (name, red, green, blue)
    assert axe_violations(page) == [], name
    shots.take(page, name, publish=publish)
