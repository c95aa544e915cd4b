"""The search document of each video: the text a library search looks through.

One row per video holds every searchable text (title, description, tags and, once
captions land, their text), so one full-text index covers them all. The database's
own full-text engine indexes the row: on SQLite an FTS5 table kept in step by
triggers (``video_search_fts``, made by migration 0008), on MariaDB and MySQL a
FULLTEXT index. Neither is an ordinary table or index, so schema comparison leaves
them out (:func:`managed_by_migration`).

Title and description follow the video row by themselves (the mapper events below),
so every path that makes or edits a video (upload, tus, the CLI, tests) keeps the
document true; tags and captions are written where they are edited
(:func:`caption_text_update`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Connection,
    ForeignKey,
    Index,
    Text,
    Update,
    event,
    insert,
    inspect,
    update,
)
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from vidstream.models.base import Base
from vidstream.models.video import Video

FTS_TABLE = "video_search_fts"
FULLTEXT_INDEX = "ix_video_search_fulltext"
# The columns the full-text index covers, in its order (the MATCH lists must repeat it).
SEARCHED_COLUMNS = ("title", "description", "tags", "captions")
# The most caption text kept per video: well inside a MariaDB TEXT (64 KiB) in UTF-8.
CAPTION_TEXT_LIMIT = 16000


class VideoSearch(Base):
    """The searchable text of one video."""

    __tablename__ = "video_search"
    __table_args__ = (
        Index(FULLTEXT_INDEX, *SEARCHED_COLUMNS, mysql_prefix="FULLTEXT").ddl_if(dialect="mysql"),
    )

    video_id: Mapped[int] = mapped_column(
        ForeignKey("videos.id", ondelete="CASCADE"), primary_key=True
    )
    title: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    tags: Mapped[str] = mapped_column(Text)
    captions: Mapped[str] = mapped_column(Text)


def managed_by_migration(name: str | None, type_: str) -> bool:
    """Whether a schema object belongs to the full-text engine (FTS5 tables, FULLTEXT)."""
    if type_ == "table":
        return bool(name) and str(name).startswith(FTS_TABLE)
    return type_ == "index" and name == FULLTEXT_INDEX


def compare_filters() -> dict[str, Any]:
    """Alembic ``include_name``/``include_object`` options that skip those objects."""

    def include_name(name: str | None, type_: str, _parents: object) -> bool:
        return not managed_by_migration(name, type_)

    def include_object(_obj: object, name: str | None, type_: str, *_rest: object) -> bool:
        return not managed_by_migration(name, type_)

    return {"include_name": include_name, "include_object": include_object}


@event.listens_for(Video, "after_insert")
def _index_new_video(_mapper: Mapper[Any], connection: Connection, video: Video) -> None:
    connection.execute(
        insert(VideoSearch).values(
            video_id=video.id,
            title=video.title,
            description=video.description or "",
            tags="",
            captions="",
        )
    )


@event.listens_for(Video, "after_update")
def _reindex_video(_mapper: Mapper[Any], connection: Connection, video: Video) -> None:
    state = inspect(video)
    if not (
        state.attrs.title.history.has_changes() or state.attrs.description.history.has_changes()
    ):
        return
    connection.execute(
        update(VideoSearch)
        .where(VideoSearch.video_id == video.id)
        .values(title=video.title, description=video.description or "")
    )


def caption_text_update(video_id: int, text: str) -> Update:
    """The statement that puts the words of a video's captions in its search document."""
    return (
        update(VideoSearch)
        .where(VideoSearch.video_id == video_id)
        .values(captions=text[:CAPTION_TEXT_LIMIT])
    )
