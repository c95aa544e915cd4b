"""Taking in a beacon: its signed token, its ranges, the viewer's cap, the rows.

A watch page carries a beacon token (:func:`issue_token`) signed with the app's
secret. It names the video, the share link the page was opened through, a random
play id (one view) and the viewer's random id, and the day it was made. A beacon
must carry it: that stands in for the CSRF token, which ``navigator.sendBeacon``
cannot send as a header (docs/security.md), and it is what makes one page one view.

The viewer id never reaches the database: a row holds its HMAC under the day's
random salt (:func:`viewer_hash`), and the salt is deleted when the day is rolled
up, so nobody, the operator included, can link a viewer across days afterwards.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Table, bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError

from vidstream import current
from vidstream.analytics.intervals import Range, merge
from vidstream.extensions import db
from vidstream.models import AnalyticsDay, WatchRange
from vidstream.models.base import utcnow
from vidstream.web.errors import AppError

# A watch page's token is good this long; a day is rolled up only once every token
# made on it has expired (rollup.py), so no beacon can land in a rolled-up day.
TOKEN_SECONDS = 12 * 3600
MAX_RANGES = 32
MIN_RANGE_MS = 100
# Players round; a range may end this far past the stored duration.
SLACK_MS = 1000
CAP_WINDOW_SECONDS = 60
_SALT = "vidstream.beacon"
# Each process keeps the open days' salts it has read, per database.
_salts: dict[tuple[str, date], str] = {}


@dataclass(frozen=True)
class BeaconToken:
    """What a watch page's beacon token says."""

    video: str
    share: str | None
    play: str
    viewer: str
    day: date


def today() -> date:
    """The UTC day (views and salts belong to UTC days)."""
    return datetime.now(UTC).date()


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current.settings().secret_key, salt=_SALT)


def new_viewer_id() -> str:
    """A random viewer id for a browser's first-party cookie (128 bits)."""
    return secrets.token_urlsafe(16)


def issue_token(video: str, share: str | None, viewer: str) -> str:
    """A beacon token for one page of ``video`` (through ``share``) shown to ``viewer``."""
    play = secrets.token_urlsafe(9)
    return str(_serializer().dumps([video, share or "", play, viewer, today().toordinal()]))


def read_token(token: str) -> BeaconToken | None:
    """The token's contents, or None when it is forged, malformed or expired."""
    try:
        value: Any = _serializer().loads(token, max_age=TOKEN_SECONDS)
    except (BadSignature, ValueError, TypeError):
        return None
    if not (isinstance(value, list) and len(value) == 5 and isinstance(value[4], int)):
        return None
    if not all(isinstance(v, str) for v in value[:4]):
        return None
    video, share, play, viewer, day = value
    return BeaconToken(video, share or None, play, viewer, date.fromordinal(day))


def parse_ranges(raw: object, duration_ms: int) -> list[Range]:
    """A beacon's ``ranges`` (seconds, ``[[start, end], ...]``) merged, in milliseconds.

    Anything that is not a list of at most :data:`MAX_RANGES` pairs of numbers with
    ``0 <= start < end <= duration`` is refused whole (400), so a forged beacon adds
    nothing.
    """
    if not isinstance(raw, list) or not 0 < len(raw) <= MAX_RANGES:
        raise AppError(400, f"Send 1 to {MAX_RANGES} ranges.", code="invalid_ranges")
    ranges: list[Range] = []
    for pair in raw:
        if not (isinstance(pair, list) and len(pair) == 2):
            raise AppError(400, "Each range is [start, end] in seconds.", code="invalid_ranges")
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in pair):
            raise AppError(400, "Each range is [start, end] in seconds.", code="invalid_ranges")
        start, end = (round(float(v) * 1000) for v in pair)
        if not 0 <= start < end <= duration_ms + SLACK_MS:
            raise AppError(400, "A range lies outside the video's duration.", code="invalid_ranges")
        ranges.append((start, min(end, duration_ms)))
    return [r for r in merge(ranges) if r[1] - r[0] >= MIN_RANGE_MS]


def _day_salt(day: date) -> str | None:
    """The day's salt, made on first use; None once the day has been rolled up."""
    key = (current.settings().database_url, day)
    if key in _salts:
        return _salts[key]
    row = db.session.get(AnalyticsDay, day)
    if row is None:
        try:
            db.session.add(AnalyticsDay(day=day, salt=secrets.token_hex(32)))
            db.session.commit()
        except IntegrityError:  # another process made it first
            db.session.rollback()
        row = db.session.get(AnalyticsDay, day)
    if row is None or row.salt is None:
        return None
    if len(_salts) > 4:
        _salts.clear()
    _salts[key] = row.salt
    return row.salt


def forget_salt(day: date) -> None:
    """Drop this process's copy of ``day``'s salt (it is being rolled up)."""
    _salts.pop((current.settings().database_url, day), None)


def viewer_hash(viewer: str, day: date) -> str | None:
    """The viewer's id under ``day``'s salt, or None when that day is closed."""
    salt = _day_salt(day)
    if salt is None:
        return None
    return hmac.new(salt.encode(), viewer.encode(), hashlib.sha256).hexdigest()[:32]


# Built once, run on the connection: every beacon without Redis asks it.
_REPORTED = select(func.coalesce(func.sum(WatchRange.end_ms - WatchRange.start_ms), 0)).where(
    WatchRange.viewer == bindparam("viewer"), WatchRange.received_at >= bindparam("since")
)
# The table's own insert (a Core statement): a beacon's rows need no ORM objects.
_STORE = insert(cast(Table, WatchRange.__table__))


def _within_cap(viewer: str, watched_ms: int) -> bool:
    """Charge ``watched_ms`` to the viewer's minute; False (charging nothing) past the cap."""
    cap_ms = current.settings().analytics_seconds_per_minute * 1000
    client = current.redis()
    if client is not None:
        minute = int(utcnow().timestamp()) // CAP_WINDOW_SECONDS
        key = f"{current.settings().redis_prefix}analytics:cap:{viewer}:{minute}"
        used = int(client.incrby(key, watched_ms))
        client.expire(key, 2 * CAP_WINDOW_SECONDS)
        if used > cap_ms:
            client.decrby(key, watched_ms)
            return False
        return True
    since = utcnow() - timedelta(seconds=CAP_WINDOW_SECONDS)
    reported = (
        db.session.connection().execute(_REPORTED, {"viewer": viewer, "since": since}).scalar()
    )
    return int(reported or 0) + watched_ms <= cap_ms


def record(token: BeaconToken, video_id: int, share_id: int | None, ranges: list[Range]) -> None:
    """Store a beacon's merged ``ranges``; 429 past the viewer's cap, 410 for a closed day."""
    if not ranges:
        return
    viewer = viewer_hash(token.viewer, token.day)
    if viewer is None:
        raise AppError(410, "This page is too old to report; reload it.", code="beacon_expired")
    if not _within_cap(viewer, sum(end - start for start, end in ranges)):
        raise AppError(429, "Too much watch time reported; slow down.", code="beacon_capped")
    now = utcnow()
    rows = [
        {
            "video_id": video_id,
            "share_id": share_id,
            "day": token.day,
            "play": token.play,
            "viewer": viewer,
            "start_ms": start,
            "end_ms": end,
            "received_at": now,
        }
        for start, end in ranges
    ]
    db.session.connection().execute(_STORE, rows)
    db.session.commit()
