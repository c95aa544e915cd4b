"""A person's own account: deleting it, the sessions list and signing one session out.

Runs on SQLite with embedded stores and, in the MariaDB + Redis pass, on both
servers (the sessions index lives in whichever session store is configured).
"""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.support.accounts import AuthActions, make_api_user
from tests.support.tus import Tus
from vidstream import current
from vidstream.extensions import db
from vidstream.models import AccessToken, AuditEvent, Collection, Upload, User, Video
from vidstream.storage.check import check_storage
from vidstream.web import sessions

PASSWORD = "correct horse"


def _count(app: Flask, model: type) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def _member_with_things(app: Flask, sample_mp4: Path) -> tuple[AuthActions, str, Path]:
    """A member (after the admin) with a video, a collection, a token and a tus upload."""
    AuthActions(app.test_client()).signup("root")
    pat = AuthActions(app.test_client())
    pat.signup("pat")
    video_id = pat.upload(sample_mp4, json=True).get_json()["video"]["id"]
    headers = {"X-CSRFToken": pat.csrf()}
    pat.client.post("/api/collections", json={"name": "Trips"}, headers=headers)
    pat.client.post("/tokens", data={"name": "cli", "csrf_token": pat.csrf()})
    url = Tus(pat.client, headers).create(10).headers["Location"]
    assert Tus(pat.client, headers).patch(url, 0, b"12345").status_code == 204
    with app.app_context():
        partial = current.settings().tus_dir / url.rstrip("/").rsplit("/", 1)[-1]
    assert partial.exists()
    return pat, video_id, partial


def test_deleting_my_account_removes_everything_and_signs_me_out(
    app: Flask, sample_mp4: Path
) -> None:
    pat, video_id, partial = _member_with_things(app, sample_mp4)
    wrong = pat.client.post(
        "/account/delete", data={"password": "not it", "csrf_token": pat.csrf()}
    )
    assert wrong.status_code == 403
    assert "nothing was deleted" in wrong.get_data(as_text=True)
    assert _count(app, Video) == 1 and partial.exists()

    done = pat.client.post("/account/delete", data={"password": PASSWORD, "csrf_token": pat.csrf()})
    assert done.status_code == 303 and done.headers["Location"].endswith("/account/deleted")
    assert "Your account was deleted" in pat.client.get("/account/deleted").get_data(as_text=True)
    assert pat.client.get("/api/session").get_json()["user"] is None
    assert pat.client.get(f"/media/{video_id}/original.mp4").status_code in (401, 404)
    assert not partial.exists()
    for model in (Video, Collection, AccessToken, Upload):
        assert _count(app, model) == 0, model
    with app.app_context():
        assert current.storage().list_keys(f"videos/{video_id}/") == []
        report = check_storage()
        assert report.problems == 0 and not report.young_files_without_rows
        row = db.session.scalar(select(AuditEvent).where(AuditEvent.event == "account_deleted"))
        assert row is not None and row.target_name == "pat" and row.target_id is None


def test_the_last_admin_cannot_delete_themselves(app: Flask, auth: AuthActions) -> None:
    auth.signup("root")
    refused = auth.client.post(
        "/account/delete", data={"password": PASSWORD, "csrf_token": auth.csrf()}
    )
    assert refused.status_code == 409
    assert "only administrator" in refused.get_data(as_text=True)
    assert _count(app, User) == 1


def test_the_api_deletes_an_account_only_with_its_password(app: Flask, sample_mp4: Path) -> None:
    AuthActions(app.test_client()).signup("root")
    api = make_api_user(app, "sam")
    client = app.test_client()
    assert client.delete("/api/account", headers=api.bearer).status_code == 400
    wrong = client.delete("/api/account", json={"password": "nope"}, headers=api.bearer)
    assert wrong.status_code == 403 and wrong.get_json()["error"]["code"] == "bad_password"
    assert _count(app, User) == 2
    assert (
        client.delete("/api/account", json={"password": PASSWORD}, headers=api.bearer).status_code
        == 204
    )
    assert _count(app, User) == 1
    assert client.get("/api/videos", headers=api.bearer).status_code == 401


def test_an_admin_delete_removes_unfinished_uploads_partial_files(
    app: Flask, sample_mp4: Path
) -> None:
    _pat, _video_id, partial = _member_with_things(app, sample_mp4)
    root = AuthActions(app.test_client())
    root.signin("root")
    deleted = root.client.delete("/api/admin/users/pat", headers={"X-CSRFToken": root.csrf()})
    assert deleted.status_code == 204
    assert not partial.exists()


def test_the_sessions_list_shows_each_session_and_signs_one_out_at_once(
    app: Flask, sample_mp4: Path
) -> None:
    laptop = AuthActions(app.test_client())
    laptop.signup("root")
    phone = AuthActions(app.test_client())
    ua = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/120.0 Mobile Safari/537.36"
    phone.signin("root", headers={"User-Agent": ua})
    video_id = phone.upload(sample_mp4, json=True).get_json()["video"]["id"]
    assert phone.client.get(f"/media/{video_id}/original.mp4").status_code == 200

    page = laptop.client.get("/account").get_data(as_text=True)
    assert page.count("Sign out the session on") == 1  # the other one; never this one
    assert "Chrome on Android" in page and "This session" in page
    handle = page.split("/account/sessions/", 1)[1].split("/end", 1)[0]
    ended = laptop.client.post(
        f"/account/sessions/{handle}/end", data={"csrf_token": laptop.csrf()}
    )
    assert ended.status_code == 303
    assert phone.client.get(f"/media/{video_id}/original.mp4").status_code in (401, 404)
    assert phone.client.get("/api/session").get_json()["user"] is None
    assert laptop.client.get("/api/session").get_json()["user"] == {"username": "root"}
    page = laptop.client.get("/account").get_data(as_text=True)
    assert "Sign out the session on" not in page
    again = laptop.client.post(
        f"/account/sessions/{handle}/end", data={"csrf_token": laptop.csrf()}
    )
    assert again.status_code == 404


def test_another_account_cannot_end_my_session(app: Flask) -> None:
    mine = AuthActions(app.test_client())
    mine.signup("root")
    theirs = AuthActions(app.test_client())
    theirs.signup("eve", headers={"User-Agent": "Firefox/120.0 (X11; Linux x86_64)"})
    other = AuthActions(app.test_client())
    other.signin("root")
    handle = (
        mine.client.get("/account").get_data(as_text=True).split("/account/sessions/", 1)[1]
    ).split("/end", 1)[0]
    refused = theirs.client.post(
        f"/account/sessions/{handle}/end", data={"csrf_token": theirs.csrf()}
    )
    assert refused.status_code == 404
    assert other.client.get("/api/session").get_json()["user"] == {"username": "root"}


def test_sign_out_everywhere_empties_the_list(app: Flask) -> None:
    first = AuthActions(app.test_client())
    first.signup("root")
    second = AuthActions(app.test_client())
    second.signin("root")
    first.client.post("/signout/everywhere", data={"csrf_token": first.csrf()})
    third = AuthActions(app.test_client())
    third.signin("root")
    page = third.client.get("/account").get_data(as_text=True)
    assert "Sign out the session on" not in page and "This session" in page


def test_a_session_saved_again_after_it_was_ended_ends_within_a_minute(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    laptop = AuthActions(app.test_client())
    laptop.signup("root")
    phone = AuthActions(app.test_client())
    phone.signin("root")
    cookie = phone.client.get_cookie("vidstream_session")
    assert cookie is not None
    with app.test_request_context():
        interface: Any = app.session_interface
        store_id = interface._get_store_id(cookie.value)
        saved = interface._retrieve_session_data(store_id)
    page = laptop.client.get("/account").get_data(as_text=True)
    handle = page.split("/account/sessions/", 1)[1].split("/end", 1)[0]
    laptop.client.post(f"/account/sessions/{handle}/end", data={"csrf_token": laptop.csrf()})
    with app.test_request_context():
        # What a request of the phone's, in flight while it was ended, would save.
        session = interface.session_class(saved, sid=cookie.value)
        interface._upsert_session(timedelta(days=1), session, store_id)
    moment = time.time() + sessions.SEEN_RESOLUTION + 5
    monkeypatch.setattr(sessions, "now", lambda: moment)
    assert phone.client.get("/api/session").get_json()["user"] is None
    assert laptop.client.get("/api/session").get_json()["user"] == {"username": "root"}
