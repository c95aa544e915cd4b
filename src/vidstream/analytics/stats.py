"""The figures pages and the API show: rolled-up days plus the live days.

A period's figures are the stored aggregates of its rolled-up days plus a tally of
the raw rows of its other days (today and, until it closes, yesterday), counted the
same way (tally.py), so the numbers are final only in that they stop changing.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select, true

from vidstream.analytics.rollup import durations_ms, raw_rows
from vidstream.analytics.tally import Figures, Tally, decode_retention
from vidstream.extensions import db
from vidstream.models import (
    AnalyticsDay,
    Share,
    ShareDailyStats,
    Video,
    VideoDailyStats,
    WatchRange,
)

MAX_DAYS = 366


@dataclass
class Period:
    """A period's figures: totals, one entry per day, and per share or per video."""

    start: date
    end: date
    total: Figures = field(default_factory=Figures)
    daily: dict[date, Figures] = field(default_factory=dict)
    parts: dict[int, Figures] = field(default_factory=dict)

    def days(self) -> list[tuple[date, Figures]]:
        """Every day of the period in order, zeros included."""
        count = (self.end - self.start).days + 1
        days = (self.start + timedelta(days=i) for i in range(count))
        return [(d, self.daily.get(d, Figures())) for d in days]


def _open_days(start: date, end: date) -> list[date]:
    """The period's days that had beacons and are not rolled up yet (usually one or two).

    Only their raw rows are counted live; days without a row here had no beacons.
    """
    return list(
        db.session.scalars(
            select(AnalyticsDay.day).where(
                AnalyticsDay.rolled_at.is_(None), AnalyticsDay.day.between(start, end)
            )
        )
    )


def _add(table: dict[object, Figures], key: object, figures: Figures) -> None:
    table.setdefault(key, Figures()).add(figures)


def video_period(video: Video, start: date, end: date) -> tuple[Period, Period]:
    """The video's figures (by day) and its share links' (``parts`` by share row id)."""
    figures, shares = Period(start, end), Period(start, end)
    for row in db.session.scalars(
        select(VideoDailyStats).where(
            VideoDailyStats.video_id == video.id, VideoDailyStats.day.between(start, end)
        )
    ):
        day = Figures(row.views, row.viewers, row.watch_ms, decode_retention(row.retention))
        _add(figures.daily, row.day, day)  # type: ignore[arg-type]
    share_rows = db.session.scalars(
        select(ShareDailyStats)
        .join(Share, Share.id == ShareDailyStats.share_id)
        .where(Share.video_id == video.id, ShareDailyStats.day.between(start, end))
    )
    for srow in share_rows:
        day = Figures(srow.views, srow.viewers, srow.watch_ms, last_seen=srow.last_seen_at)
        _add(shares.parts, srow.share_id, day)  # type: ignore[arg-type]
    open_days = _open_days(start, end)
    live = Tally.of(
        raw_rows(WatchRange.video_id == video.id, WatchRange.day.in_(open_days))
        if open_days
        else iter(()),
        durations_ms([video.id]),
    )
    for (_, day_), day in live.videos.items():
        _add(figures.daily, day_, day)  # type: ignore[arg-type]
    for (share_id, _), day in live.shares.items():
        _add(shares.parts, share_id, day)  # type: ignore[arg-type]
    for day in figures.daily.values():
        figures.total.add(day)
    return figures, shares


def account_period(owner_id: int | None, start: date, end: date) -> Period:
    """The account's figures by day and by video (``parts`` by video row id).

    With ``owner_id`` None, every account's together: the site's totals for admins.
    """
    period = Period(start, end)
    rows = db.session.execute(
        select(
            VideoDailyStats.video_id,
            VideoDailyStats.day,
            VideoDailyStats.views,
            VideoDailyStats.viewers,
            VideoDailyStats.watch_ms,
        )
        .join(Video, Video.id == VideoDailyStats.video_id)
        .where(_owned_by(owner_id), VideoDailyStats.day.between(start, end))
    )
    for video_id, day, views, viewers, watch_ms in rows:
        figures = Figures(views, viewers, watch_ms)
        _add(period.daily, day, figures)  # type: ignore[arg-type]
        _add(period.parts, video_id, figures)  # type: ignore[arg-type]
    open_days = _open_days(start, end)
    owned = select(Video.id).where(_owned_by(owner_id))
    live = Tally.of(
        raw_rows(WatchRange.video_id.in_(owned), WatchRange.day.in_(open_days))
        if open_days
        else iter(()),
        {},
    )
    for (video_id, day), figures in live.videos.items():
        _add(period.daily, day, figures)  # type: ignore[arg-type]
        _add(period.parts, video_id, figures)  # type: ignore[arg-type]
    for figures in period.daily.values():
        period.total.add(figures)
    return period


def _owned_by(owner_id: int | None) -> Any:
    return Video.owner_id == owner_id if owner_id is not None else true()


def views_of_each_video() -> Any:
    """A SQL expression: the all-time views of the ``videos`` row it is used with.

    The same count as :func:`view_counts` (rolled-up days plus the plays of days not
    yet rolled up), computed inside the query, so the library can sort by it.
    """
    rolled = (
        select(func.coalesce(func.sum(VideoDailyStats.views), 0))
        .where(VideoDailyStats.video_id == Video.id)
        .correlate(Video)
        .scalar_subquery()
    )
    open_days = select(AnalyticsDay.day).where(AnalyticsDay.rolled_at.is_(None))
    live = (
        select(func.count(func.distinct(WatchRange.play)))
        .where(WatchRange.video_id == Video.id, WatchRange.day.in_(open_days))
        .correlate(Video)
        .scalar_subquery()
    )
    return rolled + live


def view_counts(owner_id: int) -> dict[int, int]:
    """All-time views of each of the owner's videos (for library tiles and sorting)."""
    counts: dict[int, int] = defaultdict(int)
    rolled = select(VideoDailyStats.video_id, func.sum(VideoDailyStats.views)).join(
        Video, Video.id == VideoDailyStats.video_id
    )
    for video_id, views in db.session.execute(
        rolled.where(Video.owner_id == owner_id).group_by(VideoDailyStats.video_id)
    ):
        counts[video_id] += int(views or 0)
    open_days = select(AnalyticsDay.day).where(AnalyticsDay.rolled_at.is_(None))
    live = (
        select(WatchRange.video_id, func.count(func.distinct(WatchRange.play)))
        .join(Video, Video.id == WatchRange.video_id)
        .where(Video.owner_id == owner_id, WatchRange.day.in_(open_days))
        .group_by(WatchRange.video_id)
    )
    for video_id, views in db.session.execute(live):
        counts[video_id] += int(views or 0)
    return dict(counts)
