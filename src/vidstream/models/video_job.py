"""The background processing of one video: its progress and who is working on it."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vidstream.models.base import Base, utcnow

if TYPE_CHECKING:
    from vidstream.models.video import Video


class ProcessingStep(enum.StrEnum):
    """What a video's job is doing (or last did)."""

    QUEUED = "queued"
    FASTSTART = "faststart"
    CONVERT = "convert"  # making the playable MP4 from an upload kept as it came
    POSTER = "poster"
    STORYBOARD = "storyboard"
    RENDITIONS = "renditions"
    DONE = "done"
    FAILED = "failed"


class VideoJob(Base):
    """Progress and lease of a video's processing; one row per video, deleted with it.

    Kept apart from ``videos`` because a running job writes here about once a second,
    while the video row (and the serving facts cached from it) changes only when the
    video's state does. The lease makes a job run on one worker at a time: a worker
    owns it while ``lease_expires_at`` lies ahead, and extends it as it makes progress.
    """

    __tablename__ = "video_jobs"

    video_id: Mapped[int] = mapped_column(
        ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True
    )
    step: Mapped[str] = mapped_column(String(32), default=ProcessingStep.QUEUED.value)
    progress: Mapped[float] = mapped_column(default=0.0)
    attempts: Mapped[int] = mapped_column(default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_token: Mapped[str | None] = mapped_column(String(32))
    lease_expires_at: Mapped[datetime | None]
    enqueued_at: Mapped[datetime | None]
    error_detail: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    video: Mapped[Video] = relationship(back_populates="job")
