"""A library of many videos, rows only (no media), on SQLite or a fresh MariaDB database.

Rows go in with bulk inserts (the search documents and tags too, as the app would
write them), so filling 10,000 videos takes seconds, not an upload each.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from vidstream import create_app
from vidstream.config import load_settings
from vidstream.extensions import db
from vidstream.migrations.runner import upgrade_database
from vidstream.models import User, Video, VideoSearch, VideoTag

WORDS = [
    *("beach", "holiday", "birthday", "concert", "garden", "mountain", "river", "city"),
    *("night", "snow", "summer", "winter", "family", "dinner", "party", "school", "trip"),
    *("train", "bike", "dog", "cat", "music", "dance", "game", "match", "lecture", "review"),
    *("tutorial", "recipe", "wedding", "sunset", "forest", "lake", "island", "market"),
    *("festival", "museum"),
]
TAGS = ["family", "travel", "work", "music", "sport", "kids", "archive", "raw"]


@contextmanager
def library_app(workdir: Path, database: str, server: str) -> Iterator[tuple[Flask, str]]:
    """A migrated app on SQLite (``database="sqlite"``) or a new database on ``server``."""
    url, name = f"sqlite:///{workdir / 'library.db'}", None
    if database != "sqlite":
        name = f"vidstream_bench_{secrets.token_hex(4)}"
        engine = sa.create_engine(server)
        with engine.begin() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4"))
        url = server.rstrip("/") + "/" + name
    settings = load_settings(env={}, data_dir=workdir / "data", database_url=url,
                             secret_key=secrets.token_urlsafe(40), rate_limits=False)  # fmt: skip
    app = create_app(settings)
    upgrade_database(app)
    try:
        yield app, url
    finally:
        with app.app_context():
            db.engine.dispose()
        if name:
            with engine.begin() as conn:
                conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
            engine.dispose()


def fill(app: Flask, owner_id: int, count: int, seed: int = 7) -> None:
    """``count`` ready videos of ``owner_id`` with titles, descriptions and tags."""
    rng = random.Random(seed)
    start = datetime(2025, 1, 1)
    with app.app_context():
        first = db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(Video.id), 0))) or 0
        videos, documents, tags = [], [], []
        for n in range(count):
            row_id = first + n + 1
            title = " ".join(rng.sample(WORDS, 3)).capitalize() + f" {n}"
            description = " ".join(rng.choices(WORDS, k=20))
            chosen = sorted(set(rng.sample(TAGS, rng.randint(0, 3))))
            videos.append({
                "id": row_id, "public_id": secrets.token_urlsafe(16), "owner_id": owner_id,
                "title": title, "description": description, "visibility": "private",
                "original_filename": "v.mp4", "size_bytes": rng.randint(10**6, 10**10),
                "content_type": "video/mp4", "duration_seconds": rng.uniform(5, 7200),
                "status": "ready", "etag": secrets.token_hex(12), "poster_ready": False,
                "storyboard_ready": False,
                "created_at": start + timedelta(seconds=rng.randint(0, 10**7)),
                "updated_at": start,
            })  # fmt: skip
            documents.append({"video_id": row_id, "title": title, "description": description,
                              "tags": " ".join(chosen), "captions": ""})  # fmt: skip
            tags += [{"video_id": row_id, "tag": tag} for tag in chosen]
        for table, rows in ((Video, videos), (VideoSearch, documents), (VideoTag, tags)):
            for offset in range(0, len(rows), 2000):
                db.session.execute(sa.insert(table.__table__), rows[offset : offset + 2000])
        db.session.commit()


def make_owner(app: Flask, username: str) -> int:
    """A user row (the benchmark signs its session in directly)."""
    with app.app_context():
        user = User(username=username, password_hash="!")  # noqa: S106  (no password: never signs in)
        db.session.add(user)
        db.session.commit()
        return user.id
