"""What viewers watched: raw ranges for a while, then daily aggregates for good.

``watch_ranges`` holds each range a player reported, with no address, user agent or
account: the viewer is a hash of a random id under the day's salt, which is deleted
once the day is rolled up. Rolling a day up (vidstream.analytics.rollup) writes one
``video_daily_stats`` row per video and one ``share_daily_stats`` row per share link
watched that day; raw rows go after ``VIDSTREAM_ANALYTICS_RAW_DAYS``. docs/analytics.md
defines every figure.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vidstream.models.base import Base, utcnow

# SQLite only auto-increments an INTEGER PRIMARY KEY; elsewhere raw rows need 64 bits.
RowId = BigInteger().with_variant(Integer(), "sqlite")


class WatchRange(Base):
    """One range of one view (a play of a watch page), in milliseconds of the video."""

    __tablename__ = "watch_ranges"
    __table_args__ = (
        Index("ix_watch_ranges_video_day", "video_id", "day"),
        Index("ix_watch_ranges_viewer_received", "viewer", "received_at"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"))
    share_id: Mapped[int | None] = mapped_column(
        ForeignKey("shares.id", ondelete="SET NULL"), index=True
    )
    # The UTC day the watch page was opened: the view, and its viewer hash, belong to it.
    day: Mapped[date] = mapped_column(index=True)
    play: Mapped[str] = mapped_column(String(16))
    viewer: Mapped[str] = mapped_column(String(32))
    start_ms: Mapped[int]
    end_ms: Mapped[int]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class AnalyticsDay(Base):
    """A day's random viewer salt while the day is open, and when it was rolled up."""

    __tablename__ = "analytics_days"

    day: Mapped[date] = mapped_column(primary_key=True)
    salt: Mapped[str | None] = mapped_column(String(64))
    rolled_at: Mapped[datetime | None]


class VideoDailyStats(Base):
    """One video's figures for one rolled-up day."""

    __tablename__ = "video_daily_stats"

    video_id: Mapped[int] = mapped_column(
        ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True, index=True)
    views: Mapped[int]
    viewers: Mapped[int]
    watch_ms: Mapped[int] = mapped_column(BigInteger)
    # For each hundredth of the video, how many of the day's views watched it
    # (100 comma-separated counts).
    retention: Mapped[str] = mapped_column(Text)


class ShareDailyStats(Base):
    """One share link's figures for one rolled-up day."""

    __tablename__ = "share_daily_stats"

    share_id: Mapped[int] = mapped_column(
        ForeignKey("shares.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    views: Mapped[int]
    viewers: Mapped[int]
    watch_ms: Mapped[int] = mapped_column(BigInteger)
    last_seen_at: Mapped[datetime | None]
