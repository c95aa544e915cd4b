"""Fixtures for the API tests: the served OpenAPI document and a user with a token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.api.conformance import Conformance
from tests.conftest import AuthActions
from vidstream.extensions import db
from vidstream.models import User
from vidstream.services.auth.tokens import create_token


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
        _row, secret = create_token(user_id, "api tests")
    return ApiUser(username, secret, browser)


@pytest.fixture
def api_user(app: Flask) -> ApiUser:
    """A user who signed up and made a token."""
    return make_api_user(app, "alice")


@pytest.fixture
def document(client: FlaskClient) -> dict[str, Any]:
    """The OpenAPI document as the app serves it."""
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    body: dict[str, Any] = response.get_json()
    return body


@pytest.fixture
def conformance(document: dict[str, Any]) -> Conformance:
    """Checks responses against the served document."""
    return Conformance(document)
