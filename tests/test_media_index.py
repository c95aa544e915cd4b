"""The metadata cache: a warm media request runs no SQL when Redis is configured."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event

from tests.support.accounts import AuthActions
from tests.support.stores import TEST_REDIS
from vidstream import current
from vidstream.extensions import db

pytestmark = pytest.mark.skipif(not TEST_REDIS, reason="needs VIDSTREAM_TEST_REDIS_URL (Redis)")


@contextmanager
def count_queries(app: Flask) -> Iterator[list[str]]:
    """Record every SQL statement the app's engine executes inside the block."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_warm_media_request_runs_no_sql(app: Flask, auth: AuthActions, sample_mp4: Path) -> None:
    auth.signup()
    vid = auth.upload(sample_mp4, json=True).get_json()["video"]["id"]
    url = f"/media/{vid}/original.mp4"
    with count_queries(app) as cold:
        assert auth.client.get(url, headers={"Range": "bytes=0-99"}).status_code == 206
    assert any("FROM videos" in s for s in cold)
    with count_queries(app) as warm:
        response = auth.client.get(url, headers={"Range": "bytes=100-199"})
        assert response.status_code == 206
        assert auth.client.head(url).status_code == 200
    assert warm == []
    assert response.data == sample_mp4.read_bytes()[100:200]


def test_delete_invalidates_the_cache(app: Flask, auth: AuthActions, sample_mp4: Path) -> None:
    auth.signup()
    vid = auth.upload(sample_mp4, json=True).get_json()["video"]["id"]
    url = f"/media/{vid}/original.mp4"
    assert auth.client.get(url).status_code == 200
    redis = current.redis(app)
    prefix = current.settings(app).redis_prefix
    assert redis.exists(f"{prefix}media:{vid}")
    assert (
        auth.client.delete(f"/api/videos/{vid}", headers={"X-CSRFToken": auth.csrf()}).status_code
        == 204
    )
    assert not redis.exists(f"{prefix}media:{vid}")
    assert auth.client.get(url).status_code == 404


def test_cached_entry_still_enforces_ownership(
    app: Flask, auth: AuthActions, sample_mp4: Path
) -> None:
    auth.signup()
    vid = auth.upload(sample_mp4, json=True).get_json()["video"]["id"]
    assert auth.client.get(f"/media/{vid}/original.mp4").status_code == 200
    stranger = AuthActions(app.test_client())
    stranger.signup("mallory")
    with count_queries(app) as warm:
        assert stranger.client.get(f"/media/{vid}/original.mp4").status_code == 404
    assert warm == []


def test_a_warm_caption_request_runs_no_sql_and_a_new_caption_is_seen_at_once(
    app: Flask, auth: AuthActions, sample_mp4: Path
) -> None:
    auth.signup()
    vid = auth.upload(sample_mp4, json=True).get_json()["video"]["id"]

    def add(text: bytes) -> None:
        form = {"file": (io.BytesIO(b"1\n00:00:01,000 --> 00:00:02,000\n" + text), "a.srt")}
        answer = auth.client.post(
            f"/api/videos/{vid}/captions",
            data={**form, "language": "en"},
            headers={"X-CSRFToken": auth.csrf()},
        )
        assert answer.status_code in (200, 201)

    add(b"First\n")
    url = f"/media/{vid}/captions/en.vtt"
    first = auth.client.get(url)
    assert first.status_code == 200
    with count_queries(app) as warm:
        assert (
            auth.client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code
            == 304
        )
    assert warm == []
    add(b"Second\n")
    second = auth.client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200
    assert "Second" in second.get_data(as_text=True)
