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

from tests.support.media import make_mp4
from vidstream import create_app, current
from vidstream.config import Settings, load_settings
from vidstream.extensions import db
from vidstream.migrations.runner import upgrade_database

TEST_DB = os.environ.get("VIDSTREAM_TEST_DATABASE_URL", "").strip()
TEST_REDIS = os.environ.get("VIDSTREAM_TEST_REDIS_URL", "").strip()


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
    migrate = create_app(_settings(Path(f"/tmp/{name}"), url, None))
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


def _settings(
    data_dir: Path, database_url: str | None, redis_url: str | None, **extra: Any
) -> Settings:
    overrides: dict[str, Any] = {
        "data_dir": data_dir,
        "secret_key": secrets.token_urlsafe(40),
        "testing": True,
        "redis_url": redis_url,
        "redis_prefix": f"vstest:{secrets.token_hex(4)}:",
        # Most tests sign several people up; tests of the modes set their own.
        "signup": "open",
        **extra,
    }
    if database_url:
        overrides["database_url"] = database_url
    return load_settings(env={}, **overrides)


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
    return _settings(tmp_path / "data", external_database_url, redis_url, **settings_overrides)


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
