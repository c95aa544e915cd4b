"""The admin console's pages and forms (issue 14): admins only, every form with CSRF.

Runs on SQLite with embedded stores and, in the MariaDB + Redis pass, on both servers.
The forms reuse services/auth/admin.py, so these check the console's own part: who
reaches it, what each form changes, and that each refusal has a message and a status.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.support.accounts import AuthActions
from tests.support.pipeline import process_now
from vidstream.extensions import db
from vidstream.models import Invitation, Role, User, Video, VideoStatus
from vidstream.services.auth.invitations import create_invitation

PAGES = (
    "/admin",
    "/admin?q=pa",
    "/admin/users/pat",
    "/admin/jobs",
    "/admin/storage",
    "/admin/stats",
    "/admin/settings",
    "/admin/invitations",
)
MIB = 1024 * 1024


@pytest.fixture
def admin(app: Flask) -> AuthActions:
    """The first account (the admin), then pat, a member."""
    root = AuthActions(app.test_client())
    assert root.signup("root").status_code == 302
    assert AuthActions(app.test_client()).signup("pat").status_code == 302
    return root


def _user(app: Flask, name: str) -> User:
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == name))
        assert user is not None
        db.session.expunge(user)
        return user


def _post(browser: AuthActions, path: str, **fields: Any) -> Any:
    return browser.client.post(path, data={**fields, "csrf_token": browser.csrf()})


def test_admins_see_every_page_and_the_admin_link(admin: AuthActions) -> None:
    for path in PAGES:
        page = admin.client.get(path)
        assert page.status_code == 200, path
        assert 'href="/admin"' in page.get_data(as_text=True), path
    assert b'href="/admin"' in admin.client.get("/stream").data


def test_members_get_403_and_anonymous_the_sign_in_page(app: Flask, admin: AuthActions) -> None:
    member = AuthActions(app.test_client())
    member.signin("pat")
    assert b'href="/admin"' not in member.client.get("/stream").data
    anonymous = app.test_client()
    for path in PAGES:
        refused = member.client.get(path)
        assert refused.status_code == 403, path
        assert b"needs admin" in refused.data
        sent = anonymous.get(path)
        assert sent.status_code == 302 and "/signin" in sent.headers["Location"], path
    for path in ("/admin/users/pat", "/admin/settings", "/admin/invitations"):
        assert _post(member, path, role="admin").status_code == 403
        assert anonymous.post(path).status_code in (400, 401)  # no CSRF token, or no account


def test_the_users_table_searches_and_shows_usage(
    app: Flask, admin: AuthActions, sample_mp4: Path
) -> None:
    member = AuthActions(app.test_client())
    member.signin("pat")
    public_id = member.upload(sample_mp4, json=True).get_json()["video"]["id"]
    process_now(app, public_id)
    html = admin.client.get("/admin?q=PA").get_data(as_text=True)
    assert ">pat</a>" in html and ">root</a>" not in html
    row = html.split(">pat</a>", 1)[1].split("</tr>", 1)[0]
    assert re.findall(r'class="num">([^<]+)<', row)[0] == "1"  # one video
    assert "KiB" in row or "MiB" in row  # originals and derived sizes
    assert "No account matches" in admin.client.get("/admin?q=zzz").get_data(as_text=True)


def test_role_quota_and_daily_limit_form(app: Flask, admin: AuthActions) -> None:
    saved = _post(admin, "/admin/users/pat", role="viewer", quota_mib="5", daily_limit="3")
    assert saved.status_code == 303
    page = admin.client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Saved pat&#39;s role and limits." in page
    pat = _user(app, "pat")
    assert (pat.role, pat.quota_bytes, pat.daily_upload_limit) == (Role.VIEWER, 5 * MIB, 3)
    assert _post(admin, "/admin/users/pat", role="member").status_code == 303
    pat = _user(app, "pat")  # empty numbers: back to the site's defaults
    assert (pat.role, pat.quota_bytes, pat.daily_upload_limit) == (Role.MEMBER, None, None)
    bad = _post(admin, "/admin/users/pat", role="god", quota_mib="-1", daily_limit="x")
    assert bad.status_code == 422
    assert b"Not a valid choice" in bad.data and b"from 0 to" in bad.data
    own = _post(admin, "/admin/users/root", role="viewer")
    assert own.status_code == 409 and b"your own account" in own.data
    assert _post(admin, "/admin/users/nobody", role="viewer").status_code == 404


def test_disable_and_enable(app: Flask, admin: AuthActions) -> None:
    member = AuthActions(app.test_client())
    member.signin("pat")
    off = _post(admin, "/admin/users/pat/state", disabled="true")
    assert off.status_code == 303
    assert _user(app, "pat").disabled
    assert member.client.get("/stream").status_code == 302  # its session ended at once
    assert b"Enable pat" in admin.client.get("/admin/users/pat").data
    assert _post(admin, "/admin/users/pat/state", disabled="true").status_code == 303
    assert _post(admin, "/admin/users/pat/state", disabled="false").status_code == 303
    assert not _user(app, "pat").disabled
    assert member.signin("pat").status_code == 302
    assert _post(admin, "/admin/users/pat/state", disabled="maybe").status_code == 422
    own = _post(admin, "/admin/users/root/state", disabled="true")
    assert own.status_code == 409 and not _user(app, "root").disabled


def test_delete_needs_the_name_typed(app: Flask, admin: AuthActions, sample_mp4: Path) -> None:
    member = AuthActions(app.test_client())
    member.signin("pat")
    member.upload(sample_mp4, json=True)
    wrong = _post(admin, "/admin/users/pat/delete", confirm="pa")
    assert wrong.status_code == 422 and b"Type pat exactly" in wrong.data
    assert _post(admin, "/admin/users/pat/delete").status_code == 422
    gone = _post(admin, "/admin/users/pat/delete", confirm="PAT ")
    assert gone.status_code == 303
    assert b"Deleted pat and 1 video(s)." in admin.client.get(gone.headers["Location"]).data
    with app.app_context():
        assert db.session.scalar(db.select(User).where(User.username == "pat")) is None
        assert db.session.scalar(db.select(db.func.count()).select_from(Video)) == 0
    assert _post(admin, "/admin/users/pat/delete", confirm="pat").status_code == 404
    own = _post(admin, "/admin/users/root/delete", confirm="root")
    assert own.status_code == 409
    assert b"Delete root" not in admin.client.get("/admin/users/root").data


def test_jobs_page_and_retry(app: Flask, admin: AuthActions, sample_mp4: Path) -> None:
    member = AuthActions(app.test_client())
    member.signin("pat")
    public_id = member.upload(sample_mp4, title="Beach", json=True).get_json()["video"]["id"]
    with app.app_context():
        video = db.session.scalar(db.select(Video).where(Video.public_id == public_id))
        assert video is not None
        video.status, video.status_reason = VideoStatus.FAILED, "The file is cut off."
        db.session.commit()
    page = admin.client.get("/admin/jobs").get_data(as_text=True)
    failed = page.split("<h2>Failed", 1)[1].split("<h2>", 1)[0]
    assert "Beach" in failed and "The file is cut off." in failed and ">Retry<" in failed
    retried = _post(admin, f"/admin/jobs/{public_id}/retry")
    assert retried.status_code == 303
    page = admin.client.get("/admin/jobs").get_data(as_text=True)
    assert "Queued for processing again." in page
    assert "Beach" not in page.split("<h2>Failed", 1)[1].split("<h2>", 1)[0]
    missing = _post(admin, "/admin/jobs/" + "x" * 22 + "/retry")
    assert missing.status_code == 404 and b"No video with that id" in missing.data


def test_storage_page_totals(app: Flask, admin: AuthActions, sample_mp4: Path) -> None:
    member = AuthActions(app.test_client())
    member.signin("pat")
    process_now(app, member.upload(sample_mp4, json=True).get_json()["video"]["id"])
    html = admin.client.get("/admin/storage").get_data(as_text=True)
    assert "The disk" in html and "Free" in html and "<meter" in html
    for label in ("Originals", "HLS renditions", "Posters, thumbnails, storyboards"):
        row = html.split(f"<td>{label}</td>", 1)[1].split("</tr>", 1)[0]
        assert "0 B" not in row, label
    assert ">pat</a>" in html.split("By account", 1)[1]


def test_site_settings_form(app: Flask, admin: AuthActions) -> None:
    saved = _post(
        admin,
        "/admin/settings",
        signup="invite",
        default_quota_mib="100",
        default_daily_uploads="4",
    )
    assert saved.status_code == 303
    settings = admin.client.get("/api/admin/settings").get_json()["settings"]
    assert settings == {
        "signup": "invite",
        "signup_from": "console",
        "default_quota_bytes": 100 * MIB,
        "default_daily_uploads": 4,
        "require_two_factor": False,
    }
    assert AuthActions(app.test_client()).signup("eve").status_code == 403
    bad = _post(admin, "/admin/settings", signup="sometimes", default_daily_uploads="-2")
    assert bad.status_code == 422 and b"Not a valid choice" in bad.data


def test_settings_api(app: Flask, admin: AuthActions) -> None:
    headers = {"X-CSRFToken": admin.csrf()}
    changed = admin.client.patch(
        "/api/admin/settings", json={"signup": "closed", "default_quota_bytes": 0}, headers=headers
    )
    assert changed.status_code == 200
    assert changed.get_json()["settings"]["signup"] == "closed"
    assert changed.get_json()["settings"]["default_quota_bytes"] == 0
    back = admin.client.patch("/api/admin/settings", json={"signup": None}, headers=headers)
    assert back.get_json()["settings"]["signup_from"] != "console"
    for body in ({}, {"signup": "maybe"}, {"default_daily_uploads": -1}, {"x": 1}, [1]):
        refused = admin.client.patch("/api/admin/settings", json=body, headers=headers)
        assert refused.status_code == 400, body
    member = AuthActions(app.test_client())
    member.signin("pat")
    assert member.client.get("/api/admin/settings").status_code == 403
    assert app.test_client().get("/api/admin/settings").status_code == 401


def test_invitations_are_shown_once_listed_and_revoked(app: Flask, admin: AuthActions) -> None:
    assert _post(admin, "/admin/settings", signup="invite").status_code == 303
    made = _post(admin, "/admin/invitations", role="viewer", days="3", note="for gran")
    assert made.status_code == 201
    html = made.get_data(as_text=True)
    assert 'href="/admin/invitations" aria-current="page"' in html
    link = re.search(r'id="new-invitation-url" class="link-url" value="([^"]+)"', html)
    assert link is not None and 'data-copy="#new-invitation-url"' in html
    assert "share.js" in html
    listing = admin.client.get("/admin/invitations").get_data(as_text=True)
    assert "for gran" in listing and link.group(1) not in listing  # shown only once
    path = link.group(1).removeprefix("http://localhost")
    guest = AuthActions(app.test_client())
    assert guest.client.get(path).status_code == 200
    with app.app_context():
        invitation_id = db.session.scalars(db.select(Invitation.id)).one()
        _other, other_token = create_invitation(None, Role.MEMBER)
    revoked = _post(admin, f"/admin/invitations/{invitation_id}/revoke")
    assert revoked.status_code == 303
    assert guest.client.get(path).status_code == 404
    assert "for gran" not in admin.client.get("/admin/invitations").get_data(as_text=True)
    assert guest.client.get(f"/invite/{other_token}").status_code == 200
    too_long = _post(admin, "/admin/invitations", role="member", days="400")
    assert too_long.status_code == 422 and b"1 to 90 days" in too_long.data


def test_forms_without_a_csrf_token_change_nothing(app: Flask, admin: AuthActions) -> None:
    for path, fields in (
        ("/admin/users/pat", {"role": "viewer"}),
        ("/admin/users/pat/state", {"disabled": "true"}),
        ("/admin/users/pat/delete", {"confirm": "pat"}),
        ("/admin/settings", {"signup": "closed"}),
        ("/admin/invitations", {"role": "admin", "days": "1"}),
    ):
        refused = admin.client.post(path, data=fields)
        assert refused.status_code == 400, path
    pat = _user(app, "pat")
    assert pat.role is Role.MEMBER and not pat.disabled
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Invitation)) == 0


def test_site_stats_add_up_every_account(app: Flask, admin: AuthActions, sample_mp4: Path) -> None:
    from datetime import timedelta

    from vidstream.models.analytics import VideoDailyStats
    from vidstream.models.base import utcnow

    pat = AuthActions(app.test_client())
    assert pat.signin("pat").status_code == 302
    mine = admin.upload(sample_mp4, title="Root's clip", json=True).get_json()["video"]["id"]
    theirs = pat.upload(sample_mp4, title="Pat's clip", json=True).get_json()["video"]["id"]
    today = utcnow().date()
    with app.app_context():
        ids = {
            v.public_id: v.id
            for v in db.session.scalars(db.select(Video).where(Video.public_id.in_([mine, theirs])))
        }
        for public_id, views, day in ((mine, 2, today), (theirs, 5, today - timedelta(days=3))):
            db.session.add(
                VideoDailyStats(
                    video_id=ids[public_id],
                    day=day,
                    views=views,
                    viewers=views,
                    watch_ms=views * 60_000,
                    retention=",".join(["0"] * 100),
                )
            )
        db.session.add(
            VideoDailyStats(
                video_id=ids[mine],
                day=today - timedelta(days=40),  # outside the 30 days
                views=100,
                viewers=1,
                watch_ms=1,
                retention=",".join(["0"] * 100),
            )
        )
        db.session.commit()
    page = admin.client.get("/admin/stats").get_data(as_text=True)
    assert "<dd>7</dd>" in page  # 2 + 5 views, the old day left out
    assert page.index("Pat&#39;s clip") < page.index("Root&#39;s clip")  # most viewed first
    assert pat.client.get("/admin/stats").status_code == 403
