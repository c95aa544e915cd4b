"""The audit log: what is recorded, who sees which events, filters, paging and pruning."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from tests.support.accounts import AuthActions
from vidstream.extensions import db
from vidstream.models import AuditEvent
from vidstream.models.base import utcnow
from vidstream.web.audit import AuditFilter, audit_page, prune_audit, record

PASSWORD = "correct horse"


def _events(app: Flask) -> list[tuple[str, str | None, str | None, dict[str, Any]]]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        return [(r.event, r.actor_name, r.target_name, json.loads(r.detail)) for r in rows]


def _api(browser: AuthActions, method: str, path: str, **kw: Any) -> Any:
    return browser.client.open(path, method=method, headers={"X-CSRFToken": browser.csrf()}, **kw)


def test_sign_ins_passwords_tokens_and_shares_are_recorded(app: Flask, sample_mp4: Path) -> None:
    root = AuthActions(app.test_client())
    root.signup("root")
    bob = AuthActions(app.test_client())
    root_invite = _api(
        root,
        "POST",
        "/admin/invitations",
        data={"role": "member", "days": "1", "csrf_token": root.csrf()},
    )
    assert root_invite.status_code < 400
    assert bob.signin("root", "wrong password").status_code == 401
    assert bob.signin("nobody", "wrong password").status_code == 401
    assert root.signout().status_code == 302
    assert root.signin("root").status_code == 302
    _api(root, "PATCH", "/api/admin/settings", json={"signup": "open"})
    bob.signup("bob")
    video = root.upload(sample_mp4, json=True).get_json()["video"]["id"]
    _api(root, "PATCH", f"/api/videos/{video}", json={"visibility": "unlisted"})
    link = _api(root, "POST", f"/api/videos/{video}/shares", json={}).get_json()["share"]
    person = _api(root, "POST", f"/api/videos/{video}/shares", json={"username": "bob"})
    _api(root, "DELETE", f"/api/videos/{video}/shares/{link['id']}")
    _api(root, "DELETE", f"/api/videos/{video}/shares/{person.get_json()['share']['id']}")
    root.client.post("/tokens", data={"name": "cli", "csrf_token": root.csrf()})
    _api(root, "PATCH", "/api/admin/users/bob", json={"role": "viewer", "disabled": True})
    _api(root, "PATCH", "/api/admin/users/bob", json={"disabled": False})
    changed = root.client.post(
        "/account/password",
        data={
            "current": PASSWORD,
            "password": "new password!",
            "confirm": "new password!",
            "csrf_token": root.csrf(),
        },
    )
    assert changed.status_code == 200
    events = _events(app)
    names = [event for event, *_ in events]
    for expected in (
        "signin",
        "signin_failed",
        "signout",
        "invitation_created",
        "share_link_created",
        "share_added",
        "share_link_revoked",
        "share_removed",
        "token_created",
        "account_changed",
        "account_disabled",
        "account_enabled",
        "password_changed",
    ):
        assert expected in names, expected
    failed = [e for e in events if e[0] == "signin_failed"]
    assert failed[0][2] == "root" and failed[0][3]["username"] == "root"
    assert failed[1][2] is None and failed[1][3]["username"] == "nobody"
    change = next(e for e in events if e[0] == "account_changed")
    assert change[1:3] == ("root", "bob") and change[3] == {"role": "viewer"}
    added = next(e for e in events if e[0] == "share_added")
    assert added[1:3] == ("root", "bob") and added[3]["video"] == video


def test_an_invitation_used_is_recorded(app: Flask) -> None:
    root = AuthActions(app.test_client())
    root.signup("root")
    from vidstream.models import Role
    from vidstream.services.auth.invitations import create_invitation

    with app.app_context():
        _row, token = create_invitation(None, Role.MEMBER)
    ivy = AuthActions(app.test_client())
    data = {"username": "ivy", "password": PASSWORD, "confirm": PASSWORD, "csrf_token": ivy.csrf()}
    assert ivy.client.post(f"/invite/{token}", data=data).status_code == 302
    used = [e for e in _events(app) if e[0] == "invitation_used"]
    assert used and used[0][1:3] == ("ivy", "ivy") and used[0][3]["role"] == "member"


def test_a_person_sees_only_their_own_activity_and_admins_see_all(app: Flask) -> None:
    root = AuthActions(app.test_client())
    root.signup("root")
    _api(root, "PATCH", "/api/admin/settings", json={"signup": "open"})
    pat = AuthActions(app.test_client())
    pat.signup("pat")
    pat.signout()
    pat.signin("pat", "wrong one")
    pat.signin("pat")
    mine = pat.client.get("/api/account/activity").get_json()["events"]
    assert {e["event"] for e in mine} == {"signout", "signin_failed", "signin"}
    assert all("root" not in (e["actor"], e["target"]) for e in mine)
    assert mine[0]["address"] == "127.0.0.1"
    page = pat.client.get("/account/activity").get_data(as_text=True)
    assert "Sign-in failed" in page
    assert pat.client.get("/admin/audit").status_code == 403

    every = root.client.get("/api/admin/audit").get_json()["events"]
    assert "pat" in {e["target"] for e in every} and len(every) >= len(mine)
    only = root.client.get("/api/admin/audit?user=pat&event=signin_failed").get_json()["events"]
    assert [e["event"] for e in only] == ["signin_failed"]
    today = utcnow().date()
    dated = root.client.get(f"/api/admin/audit?since={today}&until={today}").get_json()
    assert len(dated["events"]) == len(every)
    gone = root.client.get("/api/admin/audit?until=2000-01-01").get_json()["events"]
    assert gone == []
    bad = root.client.get("/api/admin/audit?since=yesterday")
    assert bad.status_code == 400
    html = root.client.get("/admin/audit?user=pat").get_data(as_text=True)
    assert "Audit log" in html and "pat" in html


def test_pages_follow_one_another_without_overlap(app: Flask) -> None:
    with app.app_context():
        for n in range(7):
            record("signin_failed", detail={"n": n})
        first, before = audit_page(AuditFilter(), size=3)
        second, before2 = audit_page(AuditFilter(before_id=before), size=3)
        third, before3 = audit_page(AuditFilter(before_id=before2), size=3)
    numbers = [row.detail for row in first + second + third]
    assert len(set(numbers)) == 7 and before3 is None


def test_old_events_are_pruned_after_the_retention_period(app: Flask) -> None:
    with app.app_context():
        record("signin_failed", detail={"old": True})
        record("signin_failed", detail={"old": False})
        rows = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        rows[0].at = utcnow() - timedelta(days=366)
        db.session.commit()
        assert prune_audit() == 1
        left = list(db.session.scalars(select(AuditEvent.detail)))
    assert left == ['{"old":false}']


def test_a_long_detail_is_cut_to_a_note(app: Flask) -> None:
    with app.app_context():
        record("signin_failed", detail={"x": "y" * 5000})
        row = db.session.scalar(select(AuditEvent))
        assert row is not None and row.detail == '{"truncated": true}'
