"""A resumable (tus) upload in progress, and what it became once complete."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from vidstream.models.base import Base, identifier, utcnow


class Upload(Base):
    """One tus upload owned by one user; deleted with its owner.

    ``offset`` counts the bytes durably on disk: it is written only after they have
    been fsynced, so it never runs ahead of the partial file. The partial file is named
    by ``public_id``; the uploader's file name is kept only as data.
    """

    __tablename__ = "uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(identifier(32), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    length: Mapped[int] = mapped_column("upload_length", BigInteger)
    offset: Mapped[int] = mapped_column("upload_offset", BigInteger, default=0)
    filename: Mapped[str | None] = mapped_column(String(255))
    filetype: Mapped[str | None] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(String(200))
    video_public_id: Mapped[str | None] = mapped_column(identifier(32))
    expires_at: Mapped[datetime] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def completed(self) -> bool:
        """Whether every byte arrived and the video was accepted into the library."""
        return self.video_public_id is not None
