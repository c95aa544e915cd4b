"""What a request gets from a store that does not answer, checked in-process.

The process-based tests next to this one stop real servers; these point an app at a
Redis port nothing listens on, or make the embedded rate-limit counters fail, so the
answers are checked in both test modes without any server to stop.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.support.accounts import AuthActions
from tests.support.servers import free_ports
from vidstream import create_app, current
from vidstream.config import load_settings
from vidstream.extensions import db
from vidstream.migrations.runner import upgrade_database

UNAVAILABLE = "vidstream is temporarily unavailable. Please try again in a moment."


def _app(data_dir: Path, redis_url: str | None) -> Flask:
    settings = load_settings(
        env={},
        data_dir=data_dir,
        secret_key=secrets.token_urlsafe(40),
        redis_url=redis_url,
        testing=True,
    )
    app = create_app(settings)
    upgrade_database(app)
    return app


@pytest.fixture
def redis_away_app(tmp_path: Path) -> Iterator[Flask]:
    """An app on SQLite whose Redis is a loopback port that nothing listens on."""
    (port,) = free_ports(1)
    app = _app(tmp_path / "data", f"redis://127.0.0.1:{port}/0")
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def embedded_app(tmp_path: Path) -> Iterator[Flask]:
    """An app on SQLite with the embedded stores (rate-limit counters in limits.db)."""
    app = _app(tmp_path / "data", None)
    yield app
    with app.app_context():
        db.engine.dispose()


def test_a_session_whose_store_does_not_answer_is_a_503_never_a_500(
    redis_away_app: Flask,
) -> None:
    client = redis_away_app.test_client()
    client.set_cookie("vidstream_session", "a-session-id-from-before-the-outage")
    page = client.get("/stream", headers={"Accept": "text/html"})
    assert page.status_code == 503 and page.content_type.startswith("text/html")
    assert UNAVAILABLE in page.get_data(as_text=True)
    for path in ("/api/videos", "/api/session", "/media/AnyVideo000000000000/original.mp4"):
        answer = client.get(path)
        assert answer.status_code == 503, path
        assert answer.get_json()["error"]["code"] == "unavailable"
        assert answer.headers["Retry-After"] == "5"
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["down"] == {"redis": "ConnectionError"}


def test_a_fresh_visitor_gets_a_503_page_when_redis_does_not_answer(
    redis_away_app: Flask,
) -> None:
    # No cookie: nothing to load, but the rate limit cannot count and the page's CSRF
    # token cannot be saved; neither may turn the answer into a 500.
    answer = redis_away_app.test_client().get("/signin", headers={"Accept": "text/html"})
    assert answer.status_code == 503
    assert UNAVAILABLE in answer.get_data(as_text=True)


def test_embedded_counters_that_cannot_count_are_a_503(
    embedded_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth = AuthActions(embedded_app.test_client())
    auth.signup("alice")

    def disk_full(*_: Any, **__: Any) -> int:
        raise sqlite3.OperationalError("database or disk is full")

    limiter = current.limiter(embedded_app)
    assert limiter is not None
    monkeypatch.setattr(limiter.storage, "incr", disk_full)
    answer = auth.client.get("/api/videos")
    assert answer.status_code == 503
    assert answer.get_json()["error"]["message"] == UNAVAILABLE
