"""The admin API: accounts (list, change, disable, delete) and jobs (issue 14, items 3 and 4).

Runs on SQLite with embedded stores and, in the MariaDB + Redis pass, on both servers:
disabling must stop the account's session, tokens and media at once on either.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from tests.support.accounts import AuthActions
from tests.support.formats import make_format
from tests.support.pipeline import process_now
from tests.support.sharing import api, make_link, media_base
from vidstream import current
from vidstream.extensions import db
from vidstream.models import AccessToken, Role, Share, User, Video
from vidstream.services.auth.admin import storage_totals
from vidstream.services.auth.tokens import create_token
from vidstream.services.upload.logic import used_bytes
from vidstream.storage.check import check_storage


def _json(client: FlaskClient, method: str, path: str, csrf: str, **kw: Any) -> Any:
    return client.open(path, method=method, headers={"X-CSRFToken": csrf}, **kw)


def _setup(app: Flask, sample_mp4: Path) -> tuple[AuthActions, AuthActions, str, str]:
    admin = AuthActions(app.test_client())
    admin.signup("root")  # the first account: admin
    member = AuthActions(app.test_client())
    member.signup("pat")
    public_id = member.upload(sample_mp4, json=True).get_json()["video"]["id"]
    process_now(app, public_id)
    with app.app_context():
        pat = db.session.scalar(db.select(User).where(User.username == "pat"))
        assert pat is not None
        _row, secret = create_token(pat.id, "script")
    return admin, member, public_id, secret


def test_only_admins_reach_the_admin_api(app: Flask, mallory: AuthActions) -> None:
    AuthActions(app.test_client())  # mallory signed up first: she is the admin here
    other = AuthActions(app.test_client())
    other.signup("bob")
    assert other.client.get("/api/admin/users").status_code == 403
    assert app.test_client().get("/api/admin/users").status_code == 401
    listed = mallory.client.get("/api/admin/users?q=bo").get_json()["users"]
    assert [u["username"] for u in listed] == ["bob"]
    assert listed[0]["role"] == "member" and listed[0]["disabled"] is False


def test_change_role_quota_and_limit(app: Flask, sample_mp4: Path) -> None:
    admin, member, _public_id, _secret = _setup(app, sample_mp4)
    body = {"role": "viewer", "quota_bytes": 1000, "daily_upload_limit": 3}
    changed = _json(admin.client, "PATCH", "/api/admin/users/pat", admin.csrf(), json=body)
    assert changed.status_code == 200, changed.get_data(as_text=True)
    user = changed.get_json()["user"]
    assert (user["role"], user["quota_bytes"], user["daily_upload_limit"]) == ("viewer", 1000, 3)
    assert user["videos"] == 1 and user["original_bytes"] > 0 and user["derived_bytes"] > 0
    assert member.client.get("/upload").status_code == 403  # the new role applies at once
    bad = _json(admin.client, "PATCH", "/api/admin/users/pat", admin.csrf(), json={"role": "god"})
    assert bad.status_code == 400
    own = _json(
        admin.client, "PATCH", "/api/admin/users/root", admin.csrf(), json={"disabled": True}
    )
    assert own.status_code == 409


def test_disabling_stops_session_tokens_and_media_at_once(app: Flask, sample_mp4: Path) -> None:
    admin, member, public_id, secret = _setup(app, sample_mp4)
    media = f"/media/{public_id}/original.mp4"
    assert member.client.get(media).status_code == 200  # warm: the epoch is cached now
    bearer = {"Authorization": f"Bearer {secret}"}
    assert app.test_client().get("/api/videos", headers=bearer).status_code == 200
    off = _json(
        admin.client, "PATCH", "/api/admin/users/pat", admin.csrf(), json={"disabled": True}
    )
    assert off.status_code == 200 and off.get_json()["user"]["disabled"] is True
    assert member.client.get(media).status_code == 401
    assert member.client.get("/stream").status_code == 302
    assert app.test_client().get("/api/videos", headers=bearer).status_code == 401
    assert app.test_client().get(media, headers=bearer).status_code == 401
    refused = member.signin("pat")
    assert refused.status_code == 403 and b"disabled" in refused.data
    with app.app_context():
        assert db.session.scalar(db.select(AccessToken.revoked_at)) is not None
    on = _json(
        admin.client, "PATCH", "/api/admin/users/pat", admin.csrf(), json={"disabled": False}
    )
    assert on.status_code == 200
    assert member.signin("pat").status_code == 302
    assert member.client.get(media).status_code == 200


def test_disabling_an_owner_hides_their_videos_from_everyone_at_once(
    app: Flask, sample_mp4: Path
) -> None:
    admin, member, public_id, _secret = _setup(app, sample_mp4)
    assert (
        api(member, "PATCH", f"/api/videos/{public_id}", {"visibility": "public"}).status_code
        == 200
    )
    shared = api(member, "POST", f"/api/videos/{public_id}/shares", {"username": "root"})
    assert shared.status_code == 201
    link = make_link(member, public_id)
    viewer = app.test_client()
    shared_bytes = media_base(viewer.get(link).get_data(as_text=True)) + "original.mp4"
    # Who asks, and what they get once the owner is disabled: anonymous callers are
    # asked to sign in (as for any video they may not see), everyone else a 404.
    paths = {
        "public": (app.test_client(), f"/media/{public_id}/original.mp4", 401),
        "recipient": (admin.client, f"/media/{public_id}/original.mp4", 404),
        "link": (viewer, shared_bytes, 404),
        "public page": (app.test_client(), "/u/pat", 404),
    }
    for who, (client, path, _) in paths.items():  # warm: every cache holds the video now
        assert client.get(path).status_code == 200, who
    assert public_id in admin.client.get("/shared").get_data(as_text=True)
    off = _json(
        admin.client, "PATCH", "/api/admin/users/pat", admin.csrf(), json={"disabled": True}
    )
    assert off.status_code == 200
    for who, (client, path, refused) in paths.items():
        assert client.get(path).status_code == refused, who
    assert viewer.get(link).status_code == 404
    assert public_id not in admin.client.get("/shared").get_data(as_text=True)
    _json(admin.client, "PATCH", "/api/admin/users/pat", admin.csrf(), json={"disabled": False})
    for who, (client, path, _) in paths.items():
        assert client.get(path).status_code == 200, who


def test_deleting_removes_everything_and_storage_check_stays_clean(
    app: Flask, sample_mp4: Path
) -> None:
    admin, member, public_id, _secret = _setup(app, sample_mp4)
    member.client.post(
        f"/api/videos/{public_id}/shares",
        json={"username": "root"},
        headers={"X-CSRFToken": member.csrf()},
    )
    media = f"/media/{public_id}/original.mp4"
    assert member.client.get(media).status_code == 200
    gone = _json(admin.client, "DELETE", "/api/admin/users/pat", admin.csrf())
    assert gone.status_code == 204
    assert member.client.get(media).status_code == 401
    assert admin.client.get(media).status_code == 404
    with app.app_context():
        for model in (User, Video, Share, AccessToken):
            rows = db.session.scalars(db.select(model)).all()
            assert all(getattr(r, "username", "root") == "root" for r in rows), model
        assert db.session.scalar(db.select(db.func.count()).select_from(Video)) == 0
        report = check_storage()
        assert report.problems == 0 and not report.young_files_without_rows
    assert _json(admin.client, "DELETE", "/api/admin/users/pat", admin.csrf()).status_code == 404


def test_jobs_list_and_retry(app: Flask, sample_mp4: Path) -> None:
    admin, member, public_id, _secret = _setup(app, sample_mp4)
    with app.app_context():
        video = db.session.scalar(db.select(Video).where(Video.public_id == public_id))
        assert video is not None
        assert video.owner.role is Role.MEMBER
    retried = _json(admin.client, "POST", f"/api/admin/jobs/{public_id}/retry", admin.csrf())
    assert retried.status_code == 202
    jobs = admin.client.get("/api/admin/jobs").get_json()["jobs"]
    assert [j["public_id"] for j in jobs] == [public_id]
    assert jobs[0]["owner"] == "pat"
    assert member.client.get("/api/admin/jobs").status_code == 403
    missing = _json(admin.client, "POST", "/api/admin/jobs/" + "x" * 22 + "/retry", admin.csrf())
    assert missing.status_code == 404


def test_a_kept_upload_counts_as_the_original_and_its_playable_mp4_as_derived(
    app: Flask, tmp_path: Path
) -> None:
    admin = AuthActions(app.test_client())
    admin.signup("root")
    source = make_format("webm_vp9", tmp_path / "clip.webm")
    public_id = admin.upload(source, json=True).get_json()["video"]["id"]
    process_now(app, public_id)
    with app.app_context():
        totals = storage_totals()
        playable = current.storage().size(f"videos/{public_id}/original.mp4")
        root = db.session.scalar(db.select(User.id).where(User.username == "root"))
        assert root is not None
        assert used_bytes(root) == source.stat().st_size  # the quota counts the upload
    assert totals["originals"] == source.stat().st_size
    assert totals["playable"] == playable > 0
    user = admin.client.get("/api/admin/users?q=root").get_json()["users"][0]
    assert user["original_bytes"] == source.stat().st_size
    assert user["derived_bytes"] >= playable + totals["hls"]
