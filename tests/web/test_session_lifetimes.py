"""Idle and absolute session lifetimes, sign-out everywhere and password changes."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.support.accounts import AuthActions
from vidstream.web import sessions as session_guard


class Clock:
    """A settable clock for :func:`vidstream.web.sessions.now`."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.value = 1_900_000_000.0
        monkeypatch.setattr(session_guard, "now", lambda: self.value)

    def advance(self, seconds: float) -> None:
        self.value += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def signed_in(client: FlaskClient) -> bool:
    return client.get("/api/session").get_json()["user"] is not None


@pytest.mark.parametrize("settings_overrides", [{"session_idle_minutes": 30}])
def test_an_idle_session_ends_but_activity_keeps_it(auth: AuthActions, clock: Clock) -> None:
    auth.signup("alice")
    for _ in range(4):
        clock.advance(20 * 60)
        assert signed_in(auth.client)
    clock.advance(31 * 60)
    assert not signed_in(auth.client)
    assert auth.client.get("/stream").status_code == 302


@pytest.mark.parametrize(
    "settings_overrides", [{"session_lifetime_days": 1, "session_idle_minutes": 120}]
)
def test_a_session_ends_after_its_absolute_lifetime(auth: AuthActions, clock: Clock) -> None:
    auth.signup("alice")
    for _ in range(24):
        clock.advance(3600)
        assert signed_in(auth.client)
    clock.advance(3600)
    assert not signed_in(auth.client)


@pytest.mark.parametrize("settings_overrides", [{"session_idle_minutes": 30}])
def test_media_requests_do_not_refresh_an_idle_session(
    auth: AuthActions, clock: Clock, sample_mp4: Any
) -> None:
    auth.signup("alice")
    vid = auth.upload(sample_mp4, json=True).get_json()["video"]["id"]
    url = f"/media/{vid}/original.mp4"
    clock.advance(20 * 60)
    response = auth.client.get(url, headers={"Range": "bytes=0-99"})
    assert response.status_code == 206
    assert "Set-Cookie" not in response.headers
    # 35 minutes since the last page: the media request did not count as activity.
    clock.advance(15 * 60)
    assert auth.client.get(url, headers={"Range": "bytes=0-99"}).status_code == 401
    assert not signed_in(auth.client)


def test_sign_out_everywhere_ends_every_session(app: Any, auth: AuthActions) -> None:
    auth.signup("alice")
    other = AuthActions(app.test_client())
    other.signin("alice")
    assert signed_in(other.client)
    response = auth.client.post("/signout/everywhere", data={"csrf_token": auth.csrf()})
    assert response.status_code == 303
    assert not signed_in(auth.client)
    assert not signed_in(other.client)
    assert other.client.get("/stream").status_code == 302
    # Signing in again works and is not ended by the old epoch.
    other.signin("alice")
    assert signed_in(other.client)


def test_a_password_change_ends_other_sessions_only(app: Any, auth: AuthActions) -> None:
    auth.signup("alice", "correct horse")
    other = AuthActions(app.test_client())
    other.signin("alice", "correct horse")
    data = {
        "current": "correct horse",
        "password": "battery staple",
        "confirm": "battery staple",
        "csrf_token": auth.csrf(),
    }
    response = auth.client.post("/account/password", data=data)
    assert response.status_code == 200
    assert b"password was changed" in response.data
    assert signed_in(auth.client)
    assert not signed_in(other.client)
    assert other.signin("alice", "correct horse").status_code == 401
    assert other.signin("alice", "battery staple").status_code == 302


def test_a_password_change_needs_the_current_password(auth: AuthActions) -> None:
    auth.signup("alice", "correct horse")
    data = {
        "current": "wrong horse",
        "password": "battery staple",
        "confirm": "battery staple",
        "csrf_token": auth.csrf(),
    }
    assert auth.client.post("/account/password", data=data).status_code == 403
    assert auth.client.get("/account").status_code == 200
    auth.signout()
    assert auth.signin("alice", "correct horse").status_code == 302


def test_account_pages_need_a_signed_in_browser(client: FlaskClient) -> None:
    assert client.get("/account").status_code == 302
    assert client.post("/signout/everywhere").status_code in (400, 401)
