"""Accounts as tests make them: a browser that signs up and in (CSRF token included),
and a user with a personal access token, as a script holds one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from vidstream.extensions import db
from vidstream.models import User
from vidstream.services.auth.tokens import create_token


class AuthActions:
    """Sign up, sign in and out the way a browser does, CSRF token included."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def csrf(self) -> str:
        """The CSRF token for this client's session."""
        token: str = self.client.get("/api/session").get_json()["csrf_token"]
        return token

    def signup(self, username: str = "alice", password: str = "correct horse", **kw: Any) -> Any:
        """Create an account (and be signed in as it)."""
        data = {"username": username, "password": password, "confirm": password}
        return self.client.post("/signup", data={**data, "csrf_token": self.csrf()}, **kw)

    def signin(self, username: str = "alice", password: str = "correct horse", **kw: Any) -> Any:
        """Sign in with an existing account."""
        data = {"username": username, "password": password, "csrf_token": self.csrf()}
        return self.client.post("/signin", data=data, **kw)

    def signout(self) -> Any:
        """End the session."""
        return self.client.post("/signout", data={"csrf_token": self.csrf()})

    def upload(
        self, path: Path, *, title: str = "", json: bool = False, name: str | None = None
    ) -> Any:
        """Upload a file through the form endpoint."""
        headers = {"Accept": "application/json"} if json else {}
        with open(path, "rb") as fh:
            data = {"filename": (fh, name or path.name), "title": title, "csrf_token": self.csrf()}
            return self.client.post("/upload", data=data, headers=headers)


@dataclass(frozen=True)
class ApiUser:
    """A signed-up user, a browser session of theirs, and a personal access token."""

    username: str
    token: str
    browser: AuthActions

    @property
    def bearer(self) -> dict[str, str]:
        """The header a script sends."""
        return {"Authorization": f"Bearer {self.token}"}


def make_api_user(app: Flask, username: str) -> ApiUser:
    """Sign ``username`` up in a browser client and give them a token."""
    browser = AuthActions(app.test_client())
    assert browser.signup(username).status_code == 302
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == username))
        assert user_id is not None
        _row, secret = create_token(user_id, "tests")
    return ApiUser(username, secret, browser)
