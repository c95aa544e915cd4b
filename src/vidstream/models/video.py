"""An uploaded video and what probing learned about it."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, BigInteger, Enum, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vidstream.models.base import Base, identifier, utcnow

if TYPE_CHECKING:
    from vidstream.models.caption import Caption
    from vidstream.models.library import VideoTag
    from vidstream.models.user import User
    from vidstream.models.video_job import VideoJob


class VideoStatus(enum.StrEnum):
    """Where a video is in its life; the database row is the truth about it."""

    UPLOADING = "uploading"
    VALIDATING = "validating"
    READY_ORIGINAL = "ready_original"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"

    @property
    def playable(self) -> bool:
        """Whether the original file may be streamed in this state."""
        return self in (VideoStatus.READY_ORIGINAL, VideoStatus.PROCESSING, VideoStatus.READY)


class Visibility(enum.StrEnum):
    """Who may watch a video without being given it (web/access.py has the whole table)."""

    PRIVATE = "private"  # the owner, and accounts it is shared with
    UNLISTED = "unlisted"  # also anyone holding one of its share links
    PUBLIC = "public"  # also anyone at all, and listed on the owner's public page

    @property
    def links_work(self) -> bool:
        """Whether the video's share links open it (making it private switches them off)."""
        return self is not Visibility.PRIVATE


def new_public_id() -> str:
    """A 22-character URL-safe id that reveals nothing about row order or count."""
    return secrets.token_urlsafe(16)


def new_etag() -> str:
    """A fresh strong validator for the stored original."""
    return secrets.token_hex(12)


class Video(Base):
    """One video owned by one user; deleted with its owner."""

    __tablename__ = "videos"
    # The library's default order (newest first) reads one owner's rows in index order.
    __table_args__ = (Index("ix_videos_owner_created", "owner_id", "created_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(identifier(32), unique=True, default=new_public_id)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[Visibility] = mapped_column(
        Enum(
            Visibility,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=Visibility.PRIVATE,
        server_default=Visibility.PRIVATE.value,
        index=True,
    )
    original_filename: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(64), default="video/mp4")
    # The uploaded file's container ("mkv", "mov", ...; media/containers.py) when it is
    # kept as it came under ``videos/<id>/source`` and a playable MP4 is made beside
    # it; None when the upload is itself the playable MP4. ``size_bytes`` is always the
    # upload's size (what the quota counts); ``playable_size_bytes`` the made MP4's.
    source_format: Mapped[str | None] = mapped_column(String(8))
    playable_size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    duration_seconds: Mapped[float | None]
    width: Mapped[int | None]
    height: Mapped[int | None]
    video_codec: Mapped[str | None] = mapped_column(String(32))
    audio_codec: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[VideoStatus] = mapped_column(
        Enum(
            VideoStatus,
            native_enum=False,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=VideoStatus.UPLOADING,
        index=True,
    )
    status_reason: Mapped[str | None] = mapped_column(Text)
    etag: Mapped[str] = mapped_column(String(32), default=new_etag)
    # What processing has published so far; each flag is set only once its files are
    # all stored, so a flag never points at a half-written set.
    poster_ready: Mapped[bool] = mapped_column(default=False, server_default=false())
    storyboard_ready: Mapped[bool] = mapped_column(default=False, server_default=false())
    renditions: Mapped[str | None] = mapped_column(String(64))
    assets_version: Mapped[str | None] = mapped_column(String(32))
    # Chapters found in the uploaded file: [[start seconds, title], ...] (media/chapters.py).
    chapters: Mapped[list[list[float | str]] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    owner: Mapped[User] = relationship(back_populates="videos")
    job: Mapped[VideoJob | None] = relationship(
        back_populates="video", cascade="all, delete-orphan", passive_deletes=True
    )
    tag_rows: Mapped[list[VideoTag]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="VideoTag.tag"
    )
    # Lists that show captions load them for all their videos at once (selectinload).
    captions: Mapped[list[Caption]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="Caption.language"
    )

    @property
    def tags(self) -> list[str]:
        """The video's tags, in alphabetical order."""
        return [row.tag for row in self.tag_rows]

    @property
    def original_key(self) -> str:
        """Storage key of the uploaded file; built from the public id, never a user name."""
        return original_key(self.public_id)

    @property
    def upload_key(self) -> str:
        """Storage key of the file as it was uploaded (the source, or the playable MP4)."""
        return upload_key(self.public_id, self.source_format)

    @property
    def storage_prefix(self) -> str:
        """Every stored file of this video lives under this prefix."""
        return f"videos/{self.public_id}/"

    @property
    def rendition_names(self) -> tuple[str, ...]:
        """The HLS renditions published, lowest first, then ``audio`` when there is sound.

        Set as soon as every rendition has its first segments (the ladder is published
        while it is encoded); empty before.
        """
        return split_renditions(self.renditions)


def original_key(public_id: str) -> str:
    """Storage key of a video's playable MP4 (the upload itself when it was one)."""
    return f"videos/{public_id}/original.mp4"


def source_key(public_id: str) -> str:
    """Storage key of an upload kept as it came, beside the playable MP4 made from it."""
    return f"videos/{public_id}/source"


def upload_key(public_id: str, source_format: str | None) -> str:
    """Storage key of the file as uploaded: its source when one was kept, else the MP4."""
    return source_key(public_id) if source_format else original_key(public_id)


def hls_key(public_id: str, *parts: str) -> str:
    """Storage key of an HLS file: ``videos/<id>/hls/master.m3u8``, ``.../hls/360p/...``."""
    return "/".join((f"videos/{public_id}/hls", *parts))


def image_key(public_id: str, name: str) -> str:
    """Storage key of a picture made from the video (poster, thumbnail, storyboard)."""
    return f"videos/{public_id}/images/{name}"


def caption_key(public_id: str, language: str) -> str:
    """Storage key of a caption's WebVTT file; ``language`` must be a checked tag
    (models/caption.py ``normal_language``), never text as a person sent it."""
    return f"videos/{public_id}/captions/{language}.vtt"


def derived_prefixes(public_id: str) -> tuple[str, str]:
    """Every prefix under which processing writes; the original lives outside them."""
    return (f"videos/{public_id}/hls/", f"videos/{public_id}/images/")


def split_renditions(value: str | None) -> tuple[str, ...]:
    """``"240p,360p"`` as ``("240p", "360p")``; empty for None or ''."""
    return tuple(name for name in (value or "").split(",") if name)
