"""Tags and collections: how a person groups the videos in their library.

A tag is a short lower-case word or phrase on a video (a video has a handful); a
collection is an ordered list of one owner's videos, played through in that order.
Both belong to the owner alone: nobody else ever sees them.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from vidstream.models.base import Base, utcnow

if TYPE_CHECKING:
    from vidstream.models.video import Video


class VideoTag(Base):
    """One tag on one video; the primary key makes a tag appear once per video."""

    __tablename__ = "video_tags"
    __table_args__ = (Index("ix_video_tags_tag", "tag", "video_id"),)

    video_id: Mapped[int] = mapped_column(
        ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)


def new_collection_id() -> str:
    """The id a collection is addressed by (random, so it reveals no count)."""
    return secrets.token_urlsafe(9)


class Collection(Base):
    """An ordered list of one owner's videos."""

    __tablename__ = "collections"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True, default=new_collection_id)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    items: Mapped[list[CollectionItem]] = relationship(
        order_by="CollectionItem.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
        back_populates="collection",
    )


class CollectionItem(Base):
    """A video's place in a collection; positions run 0, 1, 2... in play order."""

    __tablename__ = "collection_items"
    __table_args__ = (Index("ix_collection_items_video_id", "video_id"),)

    collection_id: Mapped[int] = mapped_column(
        ForeignKey("collections.id", ondelete="CASCADE"), primary_key=True
    )
    video_id: Mapped[int] = mapped_column(
        ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int]

    collection: Mapped[Collection] = relationship(back_populates="items")
    video: Mapped[Video] = relationship()
