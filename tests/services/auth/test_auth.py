"""Sign-up, sign-in, sign-out and sessions."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.support.accounts import AuthActions
from vidstream import create_app
from vidstream.config import Settings
from vidstream.extensions import db
from vidstream.models import User


def test_signup_creates_account_and_signs_in(client: Any, auth: AuthActions) -> None:
    response = auth.signup("Alice")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/stream")
    assert client.get("/api/session").get_json()["user"] == {"username": "alice"}


def test_signin_unknown_user_does_not_create_account(app: Flask, auth: AuthActions) -> None:
    response = auth.signin("typo", "whatever123")
    assert response.status_code == 401
    assert b"Unknown username or wrong password." in response.data
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_unknown_user_and_wrong_password_get_the_same_message(auth: AuthActions) -> None:
    auth.signup("alice", "correct horse")
    auth.signout()
    wrong = auth.signin("alice", "wrong password")
    unknown = auth.signin("nobody", "wrong password")
    assert wrong.status_code == unknown.status_code == 401
    marker = b"Unknown username or wrong password."
    assert marker in wrong.data and marker in unknown.data


def test_signin_and_signout(client: Any, auth: AuthActions) -> None:
    auth.signup()
    auth.signout()
    assert client.get("/stream").status_code == 302
    response = auth.signin("ALICE", "correct horse")
    assert response.status_code == 302
    assert client.get("/stream").status_code == 200
    assert auth.signout().status_code == 302
    assert client.get("/api/videos").status_code == 401


def test_session_id_is_regenerated_at_signin(client: Any, auth: AuthActions) -> None:
    client.get("/signin")
    before = client.get_cookie("vidstream_session")
    assert before is not None
    auth.signup()
    after = client.get_cookie("vidstream_session")
    assert after is not None and after.value != before.value


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("ab", b"3 to 32 characters"),
        ("x" * 33, b"3 to 32 characters"),
        ("-leading", b"starting with a letter or digit"),
        ("bad name", b"starting with a letter or digit"),
        ("<script>", b"starting with a letter or digit"),
        ("robert'); DROP TABLE users;--", b"3 to 32 characters"),
    ],
)
def test_username_rules_have_clear_errors(auth: AuthActions, username: str, message: bytes) -> None:
    response = auth.signup(username)
    assert response.status_code == 422
    assert message in response.data
    assert b"<script>" not in response.data.replace(b'value="&lt;script&gt;"', b"")


def test_password_rules(auth: AuthActions, client: Any) -> None:
    response = auth.signup("alice", "short")
    assert response.status_code == 422
    assert b"8 to 1024 characters" in response.data
    data = {
        "username": "bob",
        "password": "long enough",
        "confirm": "different!",
        "csrf_token": auth.csrf(),
    }
    response = client.post("/signup", data=data)
    assert response.status_code == 422
    assert b"The passwords do not match." in response.data


def test_duplicate_username_ignores_case(app: Flask) -> None:
    first = AuthActions(app.test_client())
    second = AuthActions(app.test_client())
    assert first.signup("Carol").status_code == 302
    response = second.signup("carol")
    assert response.status_code == 409
    assert b"already taken" in response.data


def test_simultaneous_signups_of_one_name(app: Flask) -> None:
    clients = [AuthActions(app.test_client()) for _ in range(6)]
    tokens = [c.csrf() for c in clients]
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def sign_up(actions: AuthActions, token: str) -> None:
        data = {
            "username": "dave",
            "password": "pw-12345678",
            "confirm": "pw-12345678",
            "csrf_token": token,
        }
        barrier.wait()
        statuses.append(actions.client.post("/signup", data=data).status_code)

    threads = [
        threading.Thread(target=sign_up, args=pair) for pair in zip(clients, tokens, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [302] + [409] * (len(clients) - 1)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_csrf_token_is_required(client: Any) -> None:
    response = client.post(
        "/signup", data={"username": "eve", "password": "12345678", "confirm": "12345678"}
    )
    assert response.status_code == 400
    assert b"did not come from this site" in response.data


def test_csrf_token_from_another_session_is_rejected(app: Flask) -> None:
    other = AuthActions(app.test_client()).csrf()
    client = app.test_client()
    client.get("/signin")
    data = {"username": "eve", "password": "12345678", "confirm": "12345678", "csrf_token": other}
    assert client.post("/signup", data=data).status_code == 400


@pytest.mark.parametrize("settings_overrides", [{"signup": "closed"}])
def test_signup_can_be_closed(client: Any, auth: AuthActions) -> None:
    assert client.get("/signup").status_code == 403
    assert auth.signup().status_code == 403


@pytest.mark.parametrize(
    ("target", "allowed"),
    [
        ("/stream", True),
        ("http://localhost/stream", True),
        ("http://localhost:5002/stream", False),
        ("https://evil.example/steal", False),
        ("//evil.example/steal", False),
        ("/\\evil.example", False),
        ("javascript:alert(1)", False),
    ],
)
def test_next_parameter_cannot_redirect_off_site(
    auth: AuthActions, target: str, allowed: bool
) -> None:
    auth.signup()
    auth.signout()
    data = {
        "username": "alice",
        "password": "correct horse",
        "next": target,
        "csrf_token": auth.csrf(),
    }
    response = auth.client.post("/signin", data=data)
    assert response.status_code == 302
    assert (response.headers["Location"] == target) is allowed


def test_session_survives_a_restart(settings: Settings, app: Flask, auth: AuthActions) -> None:
    auth.signup()
    cookie = auth.client.get_cookie("vidstream_session")
    assert cookie is not None
    restarted = create_app(settings).test_client()
    restarted.set_cookie("vidstream_session", cookie.value)
    assert restarted.get("/api/session").get_json()["user"] == {"username": "alice"}


def test_session_is_honoured_by_a_stream_only_process(
    settings: Settings, auth: AuthActions
) -> None:
    auth.signup()
    cookie = auth.client.get_cookie("vidstream_session")
    assert cookie is not None
    stream_only = create_app(settings, services=["stream"]).test_client()
    stream_only.set_cookie("vidstream_session", cookie.value)
    assert stream_only.get("/stream").status_code == 200
    assert stream_only.get("/signin").status_code == 404
