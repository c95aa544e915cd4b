"""Where each signed-in person stopped watching a video, so the player can offer to resume.

One row per person and video, overwritten as they watch (the player saves every few
seconds while playing and when the page is left). It goes with the video and with
the account (``ON DELETE CASCADE`` on both keys).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from vidstream.models.base import Base, utcnow


class PlaybackPosition(Base):
    """How far one account has watched one video, in seconds."""

    __tablename__ = "playback_positions"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    video_id: Mapped[int] = mapped_column(
        ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    seconds: Mapped[float]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
