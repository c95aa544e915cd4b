"""Rolling closed days up into daily aggregates, and deleting old raw ranges.

A day is closed once every beacon token made on it has expired
(:data:`~vidstream.analytics.collect.TOKEN_SECONDS` after the day's end): nothing can
be added to it any more, so its aggregates are computed once, from its raw rows, and
never change. Its salt is deleted at the same time. Raw rows of rolled-up days are
deleted after ``VIDSTREAM_ANALYTICS_RAW_DAYS``. The worker's sweep (jobs/sweep.py)
calls :func:`roll_up_due` every round; it is idempotent and safe to run from several
workers at once (each day is rolled in one transaction that replaces its rows).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, insert, select, update

from vidstream import current
from vidstream.analytics.collect import TOKEN_SECONDS, forget_salt
from vidstream.analytics.tally import RawRow, Tally, encode_retention
from vidstream.extensions import db
from vidstream.models import (
    AnalyticsDay,
    ShareDailyStats,
    Video,
    VideoDailyStats,
    WatchRange,
)
from vidstream.models.base import utcnow

log = logging.getLogger(__name__)
RAW_COLUMNS = (
    WatchRange.video_id,
    WatchRange.share_id,
    WatchRange.day,
    WatchRange.play,
    WatchRange.viewer,
    WatchRange.start_ms,
    WatchRange.end_ms,
    WatchRange.received_at,
)


def last_closed_day(now: datetime | None = None) -> date:
    """The newest day that no beacon can reach any more."""
    moment = now or datetime.now(UTC)
    return (moment - timedelta(seconds=TOKEN_SECONDS)).date() - timedelta(days=1)


def raw_rows(*conditions: object) -> Iterator[RawRow]:
    """Raw rows matching ``conditions``, streamed."""
    query = select(*RAW_COLUMNS).where(*conditions)  # type: ignore[arg-type]
    result = db.session.connection().execution_options(yield_per=20_000).execute(query)
    yield from result  # type: ignore[misc]  # a Row has RawRow's shape


def durations_ms(video_ids: object) -> dict[int, int]:
    """Each video's length in milliseconds (0 when unknown)."""
    rows = db.session.execute(
        select(Video.id, Video.duration_seconds).where(Video.id.in_(video_ids))  # type: ignore[arg-type]
    )
    return {vid: round((seconds or 0) * 1000) for vid, seconds in rows}


def roll_up_day(day: date) -> None:
    """Compute ``day``'s aggregates from its raw rows, replacing any, and close the day."""
    video_ids = select(WatchRange.video_id).where(WatchRange.day == day).distinct()
    tally = Tally.of(raw_rows(WatchRange.day == day), durations_ms(video_ids))
    db.session.execute(delete(VideoDailyStats).where(VideoDailyStats.day == day))
    db.session.execute(delete(ShareDailyStats).where(ShareDailyStats.day == day))
    if tally.videos:
        db.session.execute(
            insert(VideoDailyStats),
            [
                {
                    "video_id": video_id,
                    "day": day,
                    "views": f.views,
                    "viewers": f.viewers,
                    "watch_ms": f.watch_ms,
                    "retention": encode_retention(f.retention),
                }
                for (video_id, _), f in tally.videos.items()
            ],
        )
    if tally.shares:
        db.session.execute(
            insert(ShareDailyStats),
            [
                {
                    "share_id": share_id,
                    "day": day,
                    "views": f.views,
                    "viewers": f.viewers,
                    "watch_ms": f.watch_ms,
                    "last_seen_at": f.last_seen,
                }
                for (share_id, _), f in tally.shares.items()
            ],
        )
    closed = db.session.get(AnalyticsDay, day)
    if closed is None:
        db.session.add(AnalyticsDay(day=day, salt=None, rolled_at=utcnow()))
    else:
        closed.salt, closed.rolled_at = None, utcnow()
    db.session.commit()
    forget_salt(day)


def roll_up_due(now: datetime | None = None) -> int:
    """Roll up every closed day not rolled up yet, then prune raw rows; return the days."""
    last = last_closed_day(now)
    open_days = db.session.scalars(
        select(AnalyticsDay.day).where(AnalyticsDay.rolled_at.is_(None), AnalyticsDay.day <= last)
    ).all()
    for day in sorted(open_days):
        roll_up_day(day)
    if open_days:
        log.info("analytics: rolled up %d day(s)", len(open_days))
    prune_raw(now)
    return len(open_days)


def prune_raw(now: datetime | None = None) -> int:
    """Delete the raw rows of rolled-up days older than the configured window."""
    keep_from = (now or datetime.now(UTC)).date() - timedelta(
        days=current.settings().analytics_raw_days
    )
    rolled = select(AnalyticsDay.day).where(
        AnalyticsDay.rolled_at.is_not(None), AnalyticsDay.day < keep_from
    )
    days = db.session.scalars(rolled).all()
    removed = 0
    for day in days:
        result = db.session.execute(delete(WatchRange).where(WatchRange.day == day))
        removed += int(getattr(result, "rowcount", 0) or 0)
    db.session.commit()
    # A day without raw rows stays rolled; its salt is gone already.
    db.session.execute(update(AnalyticsDay).where(AnalyticsDay.day < keep_from).values(salt=None))
    db.session.commit()
    return removed
