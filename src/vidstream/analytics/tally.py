"""Counting views, viewers, watch time and retention from raw ranges.

The roll-up and the live figures of days not yet rolled up both count with
:class:`Tally`, so a day reads the same before and after it is rolled up. Rows come
in any order; a view is one play (one watch page) and its ranges are merged before
anything is counted, so a range reported twice, or a part watched twice, counts
once. Nothing here knows of Flask or the database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import NamedTuple

from vidstream.analytics.intervals import BUCKETS, Range, covered_indices, merge


class RawRow(NamedTuple):
    """One stored range and what it belongs to (a database row has the same shape)."""

    video_id: int
    share_id: int | None
    day: date
    play: str
    viewer: str
    start_ms: int
    end_ms: int
    received_at: datetime


@dataclass
class Figures:
    """Views, distinct viewers, watch time and retention counts of some views."""

    views: int = 0
    viewers: int = 0
    watch_ms: int = 0
    retention: list[int] = field(default_factory=lambda: [0] * BUCKETS)
    last_seen: datetime | None = None

    def add(self, other: Figures) -> None:
        """Add ``other``'s figures (viewer counts add: viewer ids differ across days)."""
        self.views += other.views
        self.viewers += other.viewers
        self.watch_ms += other.watch_ms
        self.retention = [a + b for a, b in zip(self.retention, other.retention, strict=True)]
        if other.last_seen is not None and (
            self.last_seen is None or other.last_seen > self.last_seen
        ):
            self.last_seen = other.last_seen


@dataclass
class _Play:
    video_id: int
    share_id: int | None
    day: date
    viewer: str
    ranges: list[Range] = field(default_factory=list)
    last_seen: datetime | None = None


@dataclass
class Tally:
    """Figures per (video, day) and per (share, day) of a set of raw rows."""

    videos: dict[tuple[int, date], Figures] = field(default_factory=dict)
    shares: dict[tuple[int, date], Figures] = field(default_factory=dict)

    @classmethod
    def of(cls, rows: Iterable[RawRow], durations_ms: dict[int, int]) -> Tally:
        """Count ``rows``; ``durations_ms`` gives each video's length for retention.

        Live figures count up to a day's raw rows on every stats query, so this loop
        is kept lean: rows are read as plain tuples, and a view adds only the buckets
        it covered to the retention counts.
        """
        plays = _plays(rows)
        tally = cls()
        viewers: dict[tuple[str, int, date], set[str]] = defaultdict(set)
        for play in plays.values():
            merged = merge(play.ranges)
            buckets = covered_indices(merged, durations_ms.get(play.video_id, 0))
            watched = sum(end - start for start, end in merged)
            keys = [("video", play.video_id, play.day)]
            if play.share_id is not None:
                keys.append(("share", play.share_id, play.day))
            for kind, ident, day in keys:
                table = tally.videos if kind == "video" else tally.shares
                figures = table.get((ident, day))
                if figures is None:
                    figures = table[(ident, day)] = Figures()
                figures.views += 1
                figures.watch_ms += watched
                retention = figures.retention
                for i in buckets:
                    retention[i] += 1
                if play.last_seen and (
                    figures.last_seen is None or play.last_seen > figures.last_seen
                ):
                    figures.last_seen = play.last_seen
                viewers[(kind, ident, day)].add(play.viewer)
        for (kind, ident, day), names in viewers.items():
            (tally.videos if kind == "video" else tally.shares)[(ident, day)].viewers = len(names)
        return tally


def _plays(rows: Iterable[RawRow]) -> dict[tuple[int, str], _Play]:
    """The rows grouped by view (one play of one video), with its latest beacon's time."""
    plays: dict[tuple[int, str], _Play] = {}
    for video_id, share_id, day, play_id, viewer, start, end, received in rows:
        play = plays.get((video_id, play_id))
        if play is None:
            play = plays[(video_id, play_id)] = _Play(video_id, share_id, day, viewer)
        play.ranges.append((start, end))
        if play.last_seen is None or received > play.last_seen:
            play.last_seen = received
    return plays


def encode_retention(counts: list[int]) -> str:
    """The stored form of a day's retention counts."""
    return ",".join(str(c) for c in counts)


def decode_retention(text: str) -> list[int]:
    """Retention counts from their stored form (zeros if it is damaged)."""
    parts = text.split(",")
    if len(parts) != BUCKETS or not all(p.isdigit() for p in parts):
        return [0] * BUCKETS
    return [int(p) for p in parts]
