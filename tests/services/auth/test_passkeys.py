"""Passkeys in-process, with a software authenticator: registering, listing, removing,
the second step, passwordless sign-in, and challenges that serve once."""

from __future__ import annotations

from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select

from tests.support.accounts import AuthActions
from tests.support.passkey_device import PasskeyDevice, add_passkey, sign_in_with_passkey
from vidstream import current
from vidstream.cli import main
from vidstream.extensions import db
from vidstream.models import PasskeyCredential, TotpFactor


def _signed_in_as(auth: AuthActions) -> str | None:
    user = auth.client.get("/api/session").get_json()["user"]
    return None if user is None else str(user["username"])


def test_a_passkey_is_registered_listed_and_removed(app: Flask, auth: AuthActions) -> None:
    auth.signup()
    device = PasskeyDevice()
    added = add_passkey(auth, device, "My laptop\u202e")
    assert added.status_code == 201
    assert added.get_json()["passkey"]["name"] == "My laptop"
    assert "My laptop" in auth.client.get("/account/two-factor").get_data(as_text=True)
    with app.app_context():
        row = db.session.scalars(select(PasskeyCredential)).one()
        assert row.transports == "internal"
        passkey_id = row.id
    removed = auth.client.post(
        f"/account/passkeys/{passkey_id}/remove", data={"csrf_token": auth.csrf()}
    )
    assert removed.status_code == 303
    with app.app_context():
        assert db.session.scalars(select(PasskeyCredential)).all() == []


def test_a_challenge_serves_once(app: Flask, auth: AuthActions) -> None:
    auth.signup()
    device = PasskeyDevice()
    headers = {"X-CSRFToken": auth.csrf(), "Accept": "application/json"}
    options = auth.client.post("/account/passkeys/options", headers=headers).get_json()
    body = {"name": "a", "credential": device.create(options)}
    assert auth.client.post("/account/passkeys", json=body, headers=headers).status_code == 201
    again = auth.client.post("/account/passkeys", json=body, headers=headers)
    assert again.status_code == 400
    assert again.get_json()["error"]["code"] == "passkey_expired"


def test_a_passkey_from_another_origin_is_refused(app: Flask, auth: AuthActions) -> None:
    auth.signup()
    assert add_passkey(auth, PasskeyDevice(origin="http://evil.example")).status_code == 400


def test_passwordless_sign_in_and_the_second_step(app: Flask, auth: AuthActions) -> None:
    auth.signup()
    device = PasskeyDevice()
    assert add_passkey(auth, device).status_code == 201
    auth.signout()
    signed = sign_in_with_passkey(auth, device)
    assert signed.status_code == 200
    assert signed.get_json()["redirect"].endswith("/stream")
    assert _signed_in_as(auth) == "alice"
    auth.signout()
    # With a password, the passkey is the second step.
    step = auth.signin()
    assert step.headers["Location"].endswith("/signin/second-factor")
    page = auth.client.get("/signin/second-factor").get_data(as_text=True)
    assert "Use a passkey" in page and "recovery code" not in page
    assert _signed_in_as(auth) is None
    assert sign_in_with_passkey(auth, device).status_code == 200
    assert _signed_in_as(auth) == "alice"


def test_another_accounts_passkey_does_not_finish_a_second_step(app: Flask) -> None:
    alice, bob = AuthActions(app.test_client()), AuthActions(app.test_client())
    alice.signup("alice")
    bob.signup("bob")
    alices, bobs = PasskeyDevice(), PasskeyDevice()
    assert add_passkey(alice, alices).status_code == 201
    assert add_passkey(bob, bobs).status_code == 201
    bob.signout()
    bob.signin("bob")
    headers = {"X-CSRFToken": bob.csrf(), "Accept": "application/json"}
    options = bob.client.post("/signin/passkey/options", headers=headers).get_json()
    forged = alices.get({**options, "allowCredentials": []})
    refused = bob.client.post("/signin/passkey", json={"credential": forged}, headers=headers)
    assert refused.status_code == 401
    assert _signed_in_as(bob) is None


def test_a_stranger_cannot_remove_a_passkey(
    app: Flask, auth: AuthActions, mallory: AuthActions
) -> None:
    auth.signup()
    add_passkey(auth, PasskeyDevice())
    with app.app_context():
        passkey_id = db.session.scalars(select(PasskeyCredential.id)).one()
    taken = mallory.client.post(
        f"/account/passkeys/{passkey_id}/remove", data={"csrf_token": mallory.csrf()}
    )
    assert taken.status_code == 404
    with app.app_context():
        assert db.session.scalars(select(PasskeyCredential.id)).one() == passkey_id


def test_the_operator_removes_every_second_factor(app: Flask, auth: AuthActions) -> None:
    auth.signup()
    assert add_passkey(auth, PasskeyDevice()).status_code == 201
    auth.client.post("/account/two-factor/totp", data={"csrf_token": auth.csrf()})
    settings = current.settings(app)
    env = {
        "VIDSTREAM_DATA_DIR": str(settings.data_dir),
        "VIDSTREAM_DATABASE_URL": settings.database_url,
        "VIDSTREAM_SECRET_KEY": settings.secret_key,
    }
    missing = CliRunner().invoke(main, ["users", "reset-second-factors", "nobody"], env=env)
    assert missing.exit_code == 1
    reset = CliRunner().invoke(main, ["users", "reset-second-factors", "Alice"], env=env)
    assert reset.exit_code == 0, reset.output
    with app.app_context():
        assert db.session.scalars(select(PasskeyCredential)).all() == []
        assert db.session.scalars(select(TotpFactor)).all() == []
    auth.signout()
    assert auth.signin().status_code == 302
    assert _signed_in_as(auth) == "alice"
