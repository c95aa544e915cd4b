"""Fixtures in the flaskr style: ``app``, ``client``, ``runner`` and an ``auth`` helper.

The same tests run on SQLite with embedded stores and, when
``VIDSTREAM_TEST_DATABASE_URL`` / ``VIDSTREAM_TEST_REDIS_URL`` are set, on a real
MariaDB/MySQL (a fresh database per run) and a real Redis (a fresh key prefix per test).
With ``CI=true`` an unreachable server fails the run instead of skipping.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from tests.support.accounts import AuthActions
from tests.support.media import make_mp4
from tests.support.staging import staged_parts  # noqa: F401 (a fixture for every test)
from tests.support.stores import TEST_DB, TEST_REDIS, make_settings
from vidstream import create_app, current
from vidstream.config import Settings
from vidstream.extensions import db
from vidstream.migrations.runner import upgrade_database


def _unreachable(what: str, error: Exception) -> None:
    message = f"{what} is not reachable ({error.__class__.__name__}: {error})"
    if os.environ.get("CI") == "true":
        pytest.exit(f"CI=true: {message}", returncode=1)
    pytest.skip(message)


@pytest.fixture(scope="session")
def external_database_url() -> Iterator[str | None]:
    """A fresh, migrated MySQL/MariaDB database for this run, or None for SQLite."""
    if not TEST_DB:
        yield None
        return
    name = f"vidstream_test_{secrets.token_hex(4)}"
    server = sa.create_engine(TEST_DB, pool_pre_ping=True)
    try:
        with server.begin() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4"))
    except sa.exc.OperationalError as error:
        _unreachable("the test MySQL/MariaDB server", error)
    url = TEST_DB.rstrip("/") + "/" + name
    migrate = create_app(make_settings(Path(f"/tmp/{name}"), url, None))
    upgrade_database(migrate)
    with migrate.app_context():
        db.engine.dispose()
    yield url
    with server.begin() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
    server.dispose()


@pytest.fixture(scope="session")
def redis_url() -> str | None:
    """The test Redis URL, checked once; None for embedded stores."""
    if not TEST_REDIS:
        return None
    try:
        redis.Redis.from_url(TEST_REDIS, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        _unreachable("the test Redis server", error)
    return TEST_REDIS


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Per-test settings overrides; override this fixture to change limits."""
    return {}


@pytest.fixture
def settings(
    tmp_path: Path,
    external_database_url: str | None,
    redis_url: str | None,
    settings_overrides: dict[str, Any],
) -> Settings:
    """Settings for one test: its own data dir, database rows and Redis prefix."""
    return make_settings(tmp_path / "data", external_database_url, redis_url, **settings_overrides)


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    """A fully migrated app serving all three services, cleaned up afterwards."""
    app = create_app(settings)
    if settings.database_url.startswith("sqlite"):
        upgrade_database(app)
    yield app
    with app.app_context():
        if not settings.database_url.startswith("sqlite"):
            with db.engine.begin() as conn:
                conn.execute(sa.text("DELETE FROM videos"))
                conn.execute(sa.text("DELETE FROM users"))
                conn.execute(sa.text("DELETE FROM invitations"))
                conn.execute(sa.text("DELETE FROM site_settings"))  # the console's, per test
                conn.execute(sa.text("DELETE FROM audit_events"))  # rows outlive accounts
        db.engine.dispose()
    client = current.redis(app)
    if client is not None:
        for key in client.scan_iter(match=f"{settings.redis_prefix}*"):
            client.delete(key)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client with its own cookie jar."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    """A CLI runner bound to the app."""
    return app.test_cli_runner()


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    """Auth helper for the default client."""
    return AuthActions(client)


@pytest.fixture
def mallory(app: Flask) -> AuthActions:
    """A second, signed-in user who owns nothing."""
    actions = AuthActions(app.test_client())
    actions.signup("mallory")
    return actions


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where generated test videos live for the whole run."""
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def sample_mp4(media_dir: Path) -> Path:
    """A 2-second 320x240 H.264/AAC MP4 with its index in front (playable on upload)."""
    return make_mp4(media_dir / "sample.mp4", faststart=True)
