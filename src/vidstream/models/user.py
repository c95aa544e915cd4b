"""A person who signs in and owns videos."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vidstream.models.base import Base, identifier, utcnow

if TYPE_CHECKING:
    from vidstream.models.video import Video


def normalise_username(raw: str) -> str:
    """Usernames compare case-insensitively; store them lower-case."""
    return raw.strip().lower()


class User(Base):
    """An account. Usernames are stored lower-case, so uniqueness ignores case."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(identifier(32), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Copied into each session at sign-in; bumping it ends every session made before.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")

    videos: Mapped[list[Video]] = relationship(
        back_populates="owner", cascade="all, delete-orphan", passive_deletes=True
    )
