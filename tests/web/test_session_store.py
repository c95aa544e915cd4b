"""Anonymous sessions live briefly, and the embedded store sweeps and bounds its files."""

from __future__ import annotations

import struct
import time
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.support.accounts import AuthActions
from vidstream import current
from vidstream.web import sessions

DAY = 86400


def cookie_lifetime(response: Any) -> float:
    """Seconds until the session cookie set by ``response`` expires."""
    cookie = response.headers["Set-Cookie"]
    expires = next(p for p in cookie.split(";") if p.strip().lower().startswith("expires="))
    return parsedate_to_datetime(expires.split("=", 1)[1]).timestamp() - time.time()


def stored_lifetimes(app: Flask) -> list[float]:
    """Seconds each stored session has left, from the store itself."""
    settings = current.settings(app)
    client = current.redis(app)
    if client is not None:
        keys = client.keys(f"{settings.redis_prefix}session:*")
        return [float(client.ttl(key)) for key in keys]
    ends = []
    for path in (settings.data_dir / "sessions").iterdir():
        end = struct.unpack("I", path.read_bytes()[:4])[0]
        if end:  # cachelib's file counter never expires
            ends.append(end - time.time())
    return ends


def session_files(app: Flask) -> list[Path]:
    folder = current.settings(app).data_dir / "sessions"
    return [p for p in folder.iterdir() if p.is_file()]


def test_an_anonymous_visit_stores_a_session_for_hours_not_days(app: Flask) -> None:
    response = app.test_client().get("/signin")
    idle = current.settings(app).session_idle_minutes * 60
    assert 0 < cookie_lifetime(response) <= idle + 5
    lifetimes = stored_lifetimes(app)
    assert len(lifetimes) == 1 and 0 < lifetimes[0] <= idle + 5


def test_signing_in_gives_the_session_its_full_life(app: Flask, auth: AuthActions) -> None:
    response = auth.signup()
    days = current.settings(app).session_lifetime_days
    assert cookie_lifetime(response) > (days - 1) * DAY
    assert max(stored_lifetimes(app)) > (days - 1) * DAY


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Move the sessions' clock forward by ``seconds``."""

    def move(seconds: float) -> None:
        moment = time.time() + seconds
        monkeypatch.setattr(sessions, "now", lambda: moment)

    return move


def test_the_embedded_store_sweeps_expired_sessions(
    app: Flask, auth: AuthActions, later: Any
) -> None:
    if current.redis(app) is not None:
        pytest.skip("Redis expires keys itself")
    auth.signup()
    for _ in range(30):
        app.test_client().get("/signin")
    assert len(session_files(app)) >= 31
    later(current.settings(app).session_idle_minutes * 60 + 60)
    app.test_client().get("/signin")
    # The signed-in session (stored for days), its account's index of sessions
    # (web/session_list.py), the newest visitor's, and the file counter.
    assert len(session_files(app)) == 4


@pytest.mark.parametrize("settings_overrides", [{"session_store_limit": 100}])
def test_the_embedded_store_keeps_to_its_limit_dropping_visitors_first(
    app: Flask, auth: AuthActions
) -> None:
    if current.redis(app) is not None:
        pytest.skip("Redis is bounded by its own memory policy")
    auth.signup()
    for _ in range(250):
        app.test_client().get("/signin")
    assert len(session_files(app)) <= 100 + 1
    assert auth.client.get("/api/session").get_json()["user"]["username"] == "alice"
