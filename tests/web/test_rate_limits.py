"""Abuse limits: sign-in, sign-up, uploads and API calls; media bytes are never limited."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from flask import Flask

from tests.support.accounts import AuthActions
from tests.support.tus import Tus
from vidstream import create_app
from vidstream.config import ConfigError, Settings, load_settings
from vidstream.web.ratelimit_store import SQLiteCounterStorage


@pytest.mark.parametrize("settings_overrides", [{"limit_signin_user": "3/hour"}])
def test_failed_sign_ins_are_limited_per_username(app: Flask, auth: AuthActions) -> None:
    auth.signup("alice")
    auth.signout()
    statuses = [auth.signin("alice", "wrong password").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    refused = auth.signin("alice", "correct horse")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    # Another name from the same address is not affected.
    assert auth.signin("bob", "whatever").status_code == 401


@pytest.mark.parametrize("settings_overrides", [{"limit_signin_user": "2/hour"}])
def test_unknown_and_known_names_are_limited_alike(app: Flask, auth: AuthActions) -> None:
    auth.signup("alice")
    auth.signout()
    known = [auth.signin("alice", "wrong").status_code for _ in range(3)]
    unknown = [auth.signin("nobody", "wrong").status_code for _ in range(3)]
    assert known == unknown == [401, 401, 429]
    first = auth.signin("alice", "wrong")
    second = auth.signin("nobody", "wrong")
    assert first.get_data() == second.get_data()


@pytest.mark.parametrize("settings_overrides", [{"limit_signin_user": "2/hour"}])
def test_successful_sign_ins_do_not_count_against_a_name(auth: AuthActions) -> None:
    auth.signup("alice")
    for _ in range(4):
        auth.signout()
        assert auth.signin("alice").status_code == 302


@pytest.mark.parametrize("settings_overrides", [{"limit_signin_ip": "3/hour"}])
def test_sign_ins_are_limited_per_address(app: Flask, auth: AuthActions) -> None:
    statuses = [auth.signin(f"user{i}", "wrong").status_code for i in range(4)]
    assert statuses == [401, 401, 401, 429]
    other = AuthActions(app.test_client())
    refused = other.signin("carol", "wrong", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert refused.status_code == 429
    allowed = other.signin("carol", "wrong", environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert allowed.status_code == 401


@pytest.mark.parametrize("settings_overrides", [{"limit_signup_ip": "2/hour"}])
def test_sign_ups_are_limited_per_address(auth: AuthActions) -> None:
    assert auth.signup("alice").status_code == 302
    assert auth.signup("bob").status_code == 302
    response = auth.signup("carol", headers={"Accept": "application/json"})
    assert response.status_code == 429
    assert "Retry-After" in response.headers
    assert response.is_json


@pytest.mark.parametrize("settings_overrides", [{"limit_upload_user": "1/hour"}])
def test_uploads_are_limited_per_user(auth: AuthActions, sample_mp4: Path) -> None:
    auth.signup("alice")
    assert auth.upload(sample_mp4, json=True).status_code == 201
    assert auth.upload(sample_mp4, json=True).status_code == 429
    assert Tus(auth.client, {"X-CSRFToken": auth.csrf()}).create(10).status_code == 429


@pytest.mark.parametrize("settings_overrides", [{"limit_api_user": "5/minute"}])
def test_api_calls_are_limited_but_media_bytes_are_not(
    app: Flask, auth: AuthActions, sample_mp4: Path
) -> None:
    auth.signup("alice")
    vid = auth.upload(sample_mp4, json=True).get_json()["video"]["id"]
    for _ in range(30):
        ranged = auth.client.get(f"/media/{vid}/original.mp4", headers={"Range": "bytes=0-9"})
        assert ranged.status_code == 206
    statuses = [auth.client.get("/api/videos").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    # Counted per user: someone else still gets through.
    other = AuthActions(app.test_client())
    other.signup("bob")
    assert other.client.get("/api/videos").status_code == 200


@pytest.mark.parametrize(
    "settings_overrides", [{"rate_limits": False, "limit_signin_user": "1/hour"}]
)
def test_limits_can_be_switched_off(auth: AuthActions) -> None:
    assert [auth.signin("x", "y").status_code for _ in range(3)] == [401, 401, 401]


def test_limit_settings_are_checked_at_start(tmp_path: Path) -> None:
    env = {"VIDSTREAM_DATA_DIR": str(tmp_path), "VIDSTREAM_LIMIT_SIGNIN_IP": "5/fortnight"}
    with pytest.raises(ConfigError, match="VIDSTREAM_LIMIT_SIGNIN_IP"):
        load_settings(env=env)
    env["VIDSTREAM_LIMIT_SIGNIN_IP"] = "5/minute;20/hour"
    assert load_settings(env=env).limit_signin_ip == "5/minute;20/hour"


@pytest.mark.parametrize("settings_overrides", [{"limit_signin_ip": "3/hour"}])
def test_processes_sharing_a_data_dir_or_redis_share_counters(
    settings: Settings, app: Flask, auth: AuthActions
) -> None:
    second = create_app(settings)  # another gunicorn worker, as far as limits go
    other = AuthActions(second.test_client())
    assert [auth.signin("a", "wrong").status_code for _ in range(2)] == [401, 401]
    assert [other.signin("b", "wrong").status_code for _ in range(2)] == [401, 429]


def test_the_sqlite_counter_store_keeps_fixed_windows(tmp_path: Path) -> None:
    store = SQLiteCounterStorage(f"vidstream+sqlite://{tmp_path / 'limits.db'}")
    assert store.incr("k", expiry=60) == 1
    assert store.incr("k", expiry=60, amount=2) == 3
    assert store.get("k") == 3 and store.get("missing") == 0
    assert 0 < store.get_expiry("k") - time.time() <= 60
    assert store.incr("short", expiry=0) == 1
    assert store.get("short") == 0  # its window has already ended
    store.clear("k")
    assert store.get("k") == 0 and store.check()
