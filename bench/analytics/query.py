"""The stats query of a video with many raw ranges: live (not rolled up) and rolled up."""

from __future__ import annotations

import random
import secrets
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bench.common.tables import percentile
from vidstream import create_app
from vidstream.analytics.rollup import roll_up_day
from vidstream.analytics.stats import video_period
from vidstream.config import load_settings
from vidstream.extensions import db
from vidstream.migrations.runner import upgrade_database
from vidstream.models import AnalyticsDay, User, Video, VideoStatus, Visibility, WatchRange
from vidstream.models.base import utcnow

PER_PLAY = 5  # ranges per view: a seek or two, some pauses


def _fill(video_id: int, ranges: int, day: date) -> None:
    rng = random.Random(7)
    batch: list[dict[str, Any]] = []
    for i in range(ranges):
        play = f"p{i // PER_PLAY}"
        start = rng.randrange(0, 590_000)
        batch.append(
            {
                "video_id": video_id,
                "share_id": None,
                "day": day,
                "play": play,
                "viewer": f"v{i // (PER_PLAY * 2)}",
                "start_ms": start,
                "end_ms": start + rng.randrange(1_000, 10_000),
                "received_at": None,
            }
        )
        if len(batch) == 50_000:
            _flush(batch)
    _flush(batch)


def _flush(batch: list[dict[str, Any]]) -> None:
    if not batch:
        return
    now = utcnow()
    for row in batch:
        row["received_at"] = now
    db.session.execute(insert(WatchRange), batch)
    db.session.commit()
    batch.clear()


def _time(video: Video, start: date, end: date, repeats: int) -> dict[str, float]:
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        video_period(video, start, end)
        times.append((time.perf_counter() - began) * 1000)
    return {"p50_ms": percentile(times, 50), "p99_ms": percentile(times, 99)}


def measure_query(workdir: Path, ranges: int, repeats: int) -> dict[str, Any]:
    """Fill one video with ``ranges`` raw ranges on one day; time the stats query.

    The database is an embedded SQLite file of its own (the MariaDB run is left to do).
    """
    env = {"VIDSTREAM_DATA_DIR": str(workdir / "query-data")}
    app = create_app(load_settings(env))
    day = date.today() - timedelta(days=5)
    with app.app_context():
        upgrade_database(app)
        # An account nobody signs in to: no password hash would ever match "!".
        owner = User(username=f"bench{secrets.token_hex(3)}", password_hash="!")  # noqa: S106
        db.session.add(owner)
        db.session.flush()
        video = Video(
            owner_id=owner.id, title="bench", original_filename="b.mp4", size_bytes=1,
            duration_seconds=600.0, status=VideoStatus.READY, visibility=Visibility.PUBLIC,
        )  # fmt: skip
        db.session.add(video)
        db.session.add(AnalyticsDay(day=day, salt="x" * 64))
        db.session.commit()
        began = time.perf_counter()
        _fill(video.id, ranges, day)
        fill_s = time.perf_counter() - began
        live = _time(video, day, day, max(3, repeats // 10))
        began = time.perf_counter()
        roll_up_day(day)
        rollup_s = time.perf_counter() - began
        rolled = _time(video, day - timedelta(days=29), day, repeats)
        db.engine.dispose()
    return {
        "ranges": ranges,
        "fill_s": fill_s,
        "live": live,
        "rollup_s": rollup_s,
        "rolled": rolled,
    }
