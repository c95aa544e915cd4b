"""Fixtures for the API tests: the served OpenAPI document and a user with a token."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.support.accounts import ApiUser, make_api_user
from tests.support.conformance import Conformance


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
