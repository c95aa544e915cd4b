"""Where playback starts: a saved position to resume from, or a ``?t=`` start time.

The player saves a signed-in person's position every few seconds while playing and
when the page is left (``PUT /api/videos/<id>/position``, one row per person and
video, see models/playback.py); the watch page hands it back so the player can offer
to resume. A position near the start or the end is not worth resuming: the video
counts as not begun, or as finished. A ``?t=`` in the page's address wins over both.
"""

from __future__ import annotations

import math
import re
from typing import Any

from flask import request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from vidstream.extensions import db
from vidstream.media.chapters import video_chapters
from vidstream.models import PlaybackPosition, Video
from vidstream.web.access import current_user_id
from vidstream.web.errors import AppError
from vidstream.web.urls import service_url

# "90", "90s", "1m30s", "1h2m3s", "2h", "1:30", "1:02:03"
UNITS = re.compile(r"(?:(\d{1,3})h)?(?:(\d{1,5})m)?(?:(\d{1,6})s?)?")
CLOCK = re.compile(r"(?:(\d{1,3}):)?(\d{1,5}):(\d{2})")
# Not worth resuming: the first seconds, or the last seconds or share of the video.
LEAD_IN_SECONDS = 5.0
FINISHED_SECONDS = 5.0
FINISHED_SHARE = 0.05
MAX_SECONDS = 7 * 24 * 3600.0


def parse_start(value: str) -> float | None:
    """The start time a ``?t=`` value names, in seconds; None when it names none."""
    text = value.strip().lower()[:32]
    if not text:
        return None
    match = UNITS.fullmatch(text) or CLOCK.fullmatch(text)
    if match is None or not any(match.groups()):
        return None
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return float(hours * 3600 + minutes * 60 + seconds)


def resume_point(seconds: float | None, duration: float | None) -> float | None:
    """The saved position worth offering, or None (not begun, or finished)."""
    if seconds is None or seconds < LEAD_IN_SECONDS:
        return None
    if duration and (
        seconds >= duration - FINISHED_SECONDS or seconds >= duration * (1 - FINISHED_SHARE)
    ):
        return None
    return seconds


def saved_seconds(user_id: int, video_id: int) -> float | None:
    """Where ``user_id`` stopped in the video, if they saved a position."""
    return db.session.scalar(
        select(PlaybackPosition.seconds).where(
            PlaybackPosition.user_id == user_id, PlaybackPosition.video_id == video_id
        )
    )


def checked_seconds(value: Any, duration: float | None) -> float:
    """A position sent by a player, or a 400: a finite number within the video."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise AppError(400, "seconds must be a number.", code="invalid_value")
    limit = (duration + 1.0) if duration else MAX_SECONDS
    if not 0 <= value <= limit:
        raise AppError(400, "seconds must be within the video.", code="invalid_value")
    return float(value)


def save_position(user_id: int, video_id: int, seconds: float) -> None:
    """Record where ``user_id`` is in the video, replacing what was saved before."""
    row = db.session.get(PlaybackPosition, (user_id, video_id))
    if row is None:
        db.session.add(PlaybackPosition(user_id=user_id, video_id=video_id, seconds=seconds))
    else:
        row.seconds = seconds
    try:
        db.session.commit()
    except IntegrityError:  # a save from another tab inserted it first
        db.session.rollback()
        row = db.session.get(PlaybackPosition, (user_id, video_id))
        if row is not None:
            row.seconds = seconds
            db.session.commit()


def playback_for(video: Video, *, saved: bool = True) -> dict[str, Any]:
    """What a watch page hands its player: start, resume point, save address, chapters.

    Share links and embeds pass ``saved=False``: their viewer is the link, not an account.
    """
    user_id = current_user_id() if saved else None
    resume = None
    if user_id is not None:
        resume = resume_point(saved_seconds(user_id, video.id), video.duration_seconds)
    return {
        "start": parse_start(request.args.get("t", "")),
        "resume": resume,
        "position_url": (
            service_url("stream.api_save_position", public_id=video.public_id)
            if user_id is not None
            else None
        ),
        "chapters": video_chapters(video.description, video.chapters),
    }
