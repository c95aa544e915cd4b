"""Sign-in by name: a look-alike of a name is not that name, and the per-name limit
counts every attempt before checking it, so a burst cannot slip past it."""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask

from tests.support.accounts import AuthActions
from vidstream.services.auth import logic

PASSWORD = "correct horse battery"
# Names MySQL's default (accent-, case- and width-insensitive) collation equates with admin.
LOOKALIKES = {
    "accent": "\u00e1dmin",
    "fullwidth": "\uff41dmin",
    "upper_accent": "\u00c1DMIN",
    "trailing_space": "admin ",  # PAD SPACE collations ignore it; strip() makes it admin
    "combining_acute": "a\u0301dmin",
}
# Long enough for every sign-in of a burst to reach the password check if nothing stops it.
ARRIVAL_SECONDS = 3.0


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """A per-name limit small enough to reach; the per-address one out of the way."""
    return {"limit_signin_user": "3/hour", "limit_signin_ip": "1000/hour"}


def signed_in_as(browser: AuthActions) -> str | None:
    user = browser.client.get("/api/session").get_json()["user"]
    return None if user is None else str(user["username"])


@pytest.mark.parametrize("case", sorted(LOOKALIKES))
def test_a_lookalike_name_does_not_sign_in_as_the_account(app: Flask, case: str) -> None:
    AuthActions(app.test_client()).signup("admin", PASSWORD)
    browser = AuthActions(app.test_client())
    response = browser.signin(LOOKALIKES[case], PASSWORD)
    expected = "admin" if LOOKALIKES[case].strip() == "admin" else None
    assert signed_in_as(browser) == expected
    if expected is None:
        assert response.status_code == 401


def test_a_name_outside_the_alphabet_still_costs_a_password_check(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks: list[str] = []
    real = logic.check_password_hash

    def counting(stored: str, given: str) -> bool:
        checks.append(given)
        return real(stored, given)

    monkeypatch.setattr(logic, "check_password_hash", counting)
    browser = AuthActions(app.test_client())
    assert browser.signin("\u00e1dmin", PASSWORD).status_code == 401
    assert checks == [PASSWORD]


def test_a_burst_of_sign_ins_is_counted_before_any_is_checked(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    AuthActions(app.test_client()).signup("admin", PASSWORD)
    burst = 8
    barrier = threading.Barrier(burst, timeout=ARRIVAL_SECONDS)
    real = logic.check_password_hash

    def held(stored: str, given: str) -> bool:
        # Broken: the rest of the burst was refused before reaching the check.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return real(stored, given)

    monkeypatch.setattr(logic, "check_password_hash", held)
    browsers = [AuthActions(app.test_client()) for _ in range(burst)]
    tokens = [b.csrf() for b in browsers]

    def attempt(i: int) -> int:
        data = {"username": "admin", "password": f"guess {i}", "csrf_token": tokens[i]}
        return int(browsers[i].client.post("/signin", data=data).status_code)

    with ThreadPoolExecutor(burst) as pool:
        statuses = sorted(pool.map(attempt, range(burst)))
    assert statuses == [401] * 3 + [429] * (burst - 3)


def test_the_owner_s_own_sign_ins_give_their_attempt_back(auth: AuthActions) -> None:
    auth.signup("admin", PASSWORD)
    for _ in range(5):
        auth.signout()
        assert auth.signin("admin", PASSWORD).status_code == 302
