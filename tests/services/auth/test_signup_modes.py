"""Sign-up modes, invitations and the first account (issue 14, item 2)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask

from tests.support.accounts import AuthActions
from vidstream.extensions import db
from vidstream.models import Invitation, Role, User
from vidstream.services.auth import logic
from vidstream.services.auth.invitations import create_invitation
from vidstream.web import site


def _role(app: Flask, name: str) -> Role:
    with app.app_context():
        user = db.session.scalar(db.select(User).where(User.username == name))
        assert user is not None
        return user.role


@pytest.mark.parametrize("settings_overrides", [{"signup": ""}])
def test_first_account_is_admin_then_sign_up_is_by_invitation(app: Flask) -> None:
    first = AuthActions(app.test_client())
    assert first.signup("founder").status_code == 302
    assert _role(app, "founder") is Role.ADMIN
    second = AuthActions(app.test_client())
    refused = second.signup("stranger")
    assert refused.status_code == 403
    assert b"invitation" in refused.data


def test_in_open_mode_later_accounts_are_members(app: Flask, auth: AuthActions) -> None:
    auth.signup("first")
    AuthActions(app.test_client()).signup("second")
    assert (_role(app, "first"), _role(app, "second")) == (Role.ADMIN, Role.MEMBER)


@pytest.mark.parametrize("settings_overrides", [{"signup": "invite"}])
def test_an_invitation_creates_one_account_with_its_role(app: Flask) -> None:
    with app.app_context():
        invitation, token = create_invitation(None, Role.VIEWER, days=2, note="for gran")
        stored = db.session.get(Invitation, invitation.id)
        assert stored is not None and token not in stored.token_sha256
    guest = AuthActions(app.test_client())
    page = guest.client.get(f"/invite/{token}")
    assert page.status_code == 200 and b"viewer" in page.data
    data = {"username": "gran", "password": "correct horse", "confirm": "correct horse"}
    made = guest.client.post(f"/invite/{token}", data={**data, "csrf_token": guest.csrf()})
    assert made.status_code == 302
    assert _role(app, "gran") is Role.VIEWER
    again = AuthActions(app.test_client())
    reuse = {**data, "username": "gran2", "csrf_token": again.csrf()}
    assert again.client.post(f"/invite/{token}", data=reuse).status_code == 404
    assert again.client.get("/invite/made-up-token").status_code == 404


@pytest.mark.parametrize("settings_overrides", [{"signup": "closed"}])
def test_closed_refuses_invitations_too(app: Flask) -> None:
    with app.app_context():
        _invitation, token = create_invitation(None, Role.MEMBER)
    assert app.test_client().get(f"/invite/{token}").status_code == 403


@pytest.mark.parametrize("settings_overrides", [{"signup": "closed"}])
def test_the_site_setting_wins_over_the_environment(app: Flask) -> None:
    with app.app_context():
        site.store(site.SIGNUP, "open")
        db.session.commit()
        assert site.site_values().signup_from == "console"
    assert AuthActions(app.test_client()).signup("newcomer").status_code == 302


def test_an_expired_invitation_is_gone(app: Flask, settings_overrides: Any) -> None:
    with app.app_context():
        invitation, token = create_invitation(None, Role.MEMBER)
        row = db.session.get(Invitation, invitation.id)
        assert row is not None
        row.expires_at = row.created_at
        db.session.commit()
    assert app.test_client().get(f"/invite/{token}").status_code == 404


def test_two_first_sign_ups_at_once_make_one_admin(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both sign-ups see an empty installation; only one of them may become its admin."""
    both_looked = threading.Barrier(2, timeout=30)
    real = logic.has_accounts

    def looked_at_the_same_time() -> bool:
        empty = real()
        both_looked.wait()  # neither has committed yet
        return empty

    monkeypatch.setattr(logic, "has_accounts", looked_at_the_same_time)
    errors: list[BaseException] = []

    def sign_up(name: str) -> None:
        try:
            with app.app_context():
                logic.create_user(name, "correct horse battery")
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=sign_up, args=(n,)) for n in ("ann", "ben")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted([_role(app, "ann"), _role(app, "ben")]) == sorted([Role.ADMIN, Role.MEMBER])
    monkeypatch.setattr(logic, "has_accounts", real)
    with app.app_context():  # every account deleted: the next one is the admin again
        db.session.execute(db.delete(User))
        db.session.commit()
        assert logic.create_user("cat", "correct horse battery").role is Role.ADMIN
