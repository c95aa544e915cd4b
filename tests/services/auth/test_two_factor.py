"""Two-factor sign-in with an authenticator app: setup, the second step, recovery codes,
replay, token creation, turning it off, and the site setting that requires it."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from tests.support.accounts import AuthActions
from tests.support.two_factor import SECRET, code_at, turn_on_totp
from vidstream.extensions import db
from vidstream.models import RecoveryCode, TotpFactor
from vidstream.services.auth import totp
from vidstream.services.auth.totp import unseal

START = 1_900_000_000.0  # a moment at the start of a 30-second step


class Clock:
    """The clock TOTP codes are judged by, moved by the test."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.moment = START
        monkeypatch.setattr(totp, "now", lambda: self.moment)

    def next_step(self) -> float:
        """Move to the next 30-second step; return the new moment."""
        self.moment += 30
        return self.moment


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """A clock the test moves step by step."""
    return Clock(monkeypatch)


def _second_step(auth: AuthActions, code: str) -> object:
    return auth.client.post("/signin/second-factor", data={"code": code, "csrf_token": auth.csrf()})


def _signed_in(auth: AuthActions) -> bool:
    user = auth.client.get("/api/session").get_json()["user"]
    return user is not None


def test_setup_is_off_until_a_right_code_confirms_it(
    app: Flask, auth: AuthActions, clock: Clock
) -> None:
    auth.signup()
    auth.client.post("/account/two-factor/totp", data={"csrf_token": auth.csrf()})
    page = auth.client.get("/account/two-factor").get_data(as_text=True)
    assert 'src="data:image/svg+xml;base64,' in page
    found = SECRET.search(page)
    assert found is not None
    wrong = auth.client.post(
        "/account/two-factor/totp/confirm", data={"code": "000000", "csrf_token": auth.csrf()}
    )
    assert wrong.status_code == 422
    auth.signout()
    assert auth.signin().status_code == 302  # a mistyped setup asks for nothing
    assert _signed_in(auth)
    with app.app_context():
        row = db.session.scalar(db.select(TotpFactor))  # alice's, the only one
        assert row is not None and row.confirmed_at is None
        # Stored encrypted, never as the secret itself.
        assert found.group(1) not in row.secret_encrypted
        assert unseal(row.secret_encrypted) == found.group(1)


def test_sign_in_asks_for_a_code_and_refuses_a_wrong_or_replayed_one(
    app: Flask, auth: AuthActions, clock: Clock
) -> None:
    auth.signup()
    secret, _codes = turn_on_totp(auth, clock.moment)
    auth.signout()
    step = auth.signin()
    assert step.status_code == 303
    assert step.headers["Location"].endswith("/signin/second-factor")
    assert not _signed_in(auth)
    assert auth.client.get("/stream").status_code == 302  # not signed in yet
    assert _second_step(auth, "123456").status_code == 422
    # The code that confirmed the setup was spent: the same step is refused.
    assert _second_step(auth, code_at(secret, clock.moment)).status_code == 422
    done = _second_step(auth, code_at(secret, clock.next_step()))
    assert done.status_code == 302
    assert _signed_in(auth)
    auth.signout()
    auth.signin()
    # A code used once is refused the second time, even within its window.
    assert _second_step(auth, code_at(secret, clock.moment)).status_code == 422
    assert _second_step(auth, code_at(secret, clock.next_step())).status_code == 302


def test_a_recovery_code_signs_in_once(app: Flask, auth: AuthActions, clock: Clock) -> None:
    auth.signup()
    _secret, codes = turn_on_totp(auth, clock.moment)
    auth.signout()
    auth.signin()
    assert _second_step(auth, codes[0].upper().replace("-", " ")).status_code == 302
    auth.signout()
    auth.signin()
    assert _second_step(auth, codes[0]).status_code == 422
    assert _second_step(auth, codes[1]).status_code == 302
    with app.app_context():
        used = db.session.scalars(select(RecoveryCode.used_at)).all()
        assert sum(1 for u in used if u is not None) == 2
        assert all(
            c not in str(h)
            for c in codes
            for h in db.session.scalars(select(RecoveryCode.code_hash))
        )


def test_the_pending_sign_in_expires(
    app: Flask, auth: AuthActions, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vidstream.services.auth import second_step

    auth.signup()
    secret, _ = turn_on_totp(auth, clock.moment)
    auth.signout()
    auth.signin()
    later = second_step.now() + second_step.PENDING_SECONDS + 1
    monkeypatch.setattr(second_step, "now", lambda: later)
    late = _second_step(auth, code_at(secret, clock.next_step()))
    assert late.status_code == 303
    assert late.headers["Location"].endswith("/signin")
    assert not _signed_in(auth)


def test_new_recovery_codes_need_a_code_and_replace_the_old(
    app: Flask, auth: AuthActions, clock: Clock
) -> None:
    auth.signup()
    secret, old = turn_on_totp(auth, clock.moment)
    data = {"regenerate-code": "111111", "csrf_token": auth.csrf()}
    assert auth.client.post("/account/two-factor/recovery", data=data).status_code == 422
    data["regenerate-code"] = code_at(secret, clock.next_step())
    fresh = auth.client.post("/account/two-factor/recovery", data=data)
    assert fresh.status_code == 200
    auth.signout()
    auth.signin()
    assert _second_step(auth, old[0]).status_code == 422


def test_creating_a_token_needs_a_current_code(app: Flask, auth: AuthActions, clock: Clock) -> None:
    auth.signup()
    secret, codes = turn_on_totp(auth, clock.moment)
    assert "Code from your authenticator app" in auth.client.get("/tokens").get_data(True)
    for code in ("", "999999", codes[0]):
        refused = auth.client.post(
            "/tokens", data={"name": "script", "code": code, "csrf_token": auth.csrf()}
        )
        assert refused.status_code == 422
    made = auth.client.post(
        "/tokens",
        data={
            "name": "script",
            "code": code_at(secret, clock.next_step()),
            "csrf_token": auth.csrf(),
        },
    )
    assert made.status_code == 201


def test_turning_off_needs_the_password_and_a_code(
    app: Flask, auth: AuthActions, clock: Clock
) -> None:
    auth.signup()
    secret, _ = turn_on_totp(auth, clock.moment)
    code = code_at(secret, clock.next_step())
    off = "/account/two-factor/totp/off"
    wrong_password = {"password": "wrong", "code": code, "csrf_token": auth.csrf()}
    assert auth.client.post(off, data=wrong_password).status_code == 403
    no_code = {"password": "correct horse", "code": "000000", "csrf_token": auth.csrf()}
    assert auth.client.post(off, data=no_code).status_code == 422
    right = {"password": "correct horse", "code": code, "csrf_token": auth.csrf()}
    assert auth.client.post(off, data=right).status_code == 303
    with app.app_context():
        assert db.session.scalars(select(TotpFactor)).all() == []
        assert db.session.scalars(select(RecoveryCode)).all() == []
    auth.signout()
    assert auth.signin().status_code == 302
    assert _signed_in(auth)


def test_required_two_factor_sends_accounts_to_set_one_up(app: Flask, clock: Clock) -> None:
    admin = AuthActions(app.test_client())
    admin.signup("root")
    saved = admin.client.post(
        "/admin/settings",
        data={"signup": "open", "require_two_factor": "y", "csrf_token": admin.csrf()},
    )
    assert saved.status_code == 303
    settings = admin.client.get("/api/admin/settings").get_json()["settings"]
    assert settings["require_two_factor"] is True
    pat = AuthActions(app.test_client())
    joined = pat.signup("pat")
    assert joined.headers["Location"].endswith("/account/two-factor")
    kept = pat.client.get("/stream")
    assert kept.status_code == 302 and kept.headers["Location"].endswith("/account/two-factor")
    assert pat.client.get("/tokens").status_code == 302
    assert pat.client.get("/api/videos").status_code == 403
    assert "requires two-factor" in pat.client.get("/account/two-factor").get_data(True)
    turn_on_totp(pat, clock.moment)
    assert pat.client.get("/stream").status_code == 200
    # An account without a factor is held again at its next sign-in.
    admin.signout()
    assert admin.signin("root").headers["Location"].endswith("/account/two-factor")
    assert admin.client.get("/stream").status_code == 302


@pytest.mark.parametrize("settings_overrides", [{"limit_signin_user": "4/minute"}])
def test_wrong_codes_count_against_the_sign_in_limit(
    app: Flask, auth: AuthActions, clock: Clock
) -> None:
    auth.signup()
    secret, _ = turn_on_totp(auth, clock.moment)
    auth.signout()
    auth.signin()  # a right password is given back: it does not count
    answers = [_second_step(auth, "000000").status_code for _ in range(4)]
    assert answers == [422, 422, 422, 422]
    # The limit is reached: even the right code now waits.
    refused = _second_step(auth, code_at(secret, clock.next_step()))
    assert refused.status_code == 429
    assert not _signed_in(auth)
