"""Listing one owner's library: search, filters, sort and keyset paging.

A page is one query for the rows (plus one each for their processing jobs and tags,
loaded together), whatever its length: no query per video. Paging is by keyset: the
next page starts after the last row's sort key and id, so it needs no OFFSET (which
reads and throws away every earlier row) and a video added or removed meanwhile
neither repeats nor skips another. Every order ends with the id, so equal keys
(the same title, a batch uploaded in the same second) still have one order.

Search uses the database's full-text index over the search document
(models/search.py): FTS5 ``MATCH`` on SQLite, ``MATCH ... AGAINST`` in boolean mode
on MariaDB/MySQL. User text never reaches either as syntax: it is split into words of
letters and digits (library_query.py), and each word is quoted (FTS5) or passed as a
plain ``+word*`` term, so every word must match, as a prefix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    cast,
    column,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    table,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.orm import selectinload

from vidstream.analytics.stats import views_of_each_video
from vidstream.extensions import db
from vidstream.models import Collection, CollectionItem, Video, VideoSearch, VideoTag
from vidstream.models.search import FTS_TABLE, SEARCHED_COLUMNS
from vidstream.services.stream.library_query import LibraryQuery, SortOrder, encode_cursor
from vidstream.web.errors import AppError

# InnoDB's FULLTEXT ignores words shorter than innodb_ft_min_token_size (3 by default);
# such words are matched with LIKE on the search document instead.
MYSQL_MIN_WORD = 3
# ``most_viewed`` adds its key here when view analytics land (see SortOrder).
SORT_KEYS: dict[SortOrder, tuple[Any, bool]] = {
    SortOrder.NEWEST: (Video.created_at, True),
    SortOrder.OLDEST: (Video.created_at, False),
    SortOrder.TITLE: (func.lower(Video.title), False),
    # Whole milliseconds: MariaDB's FLOAT does not survive a round trip through text.
    SortOrder.DURATION: (cast(func.coalesce(Video.duration_seconds, -1) * 1000, Integer), True),
    SortOrder.SIZE: (Video.size_bytes, True),
    SortOrder.VIEWS: (views_of_each_video(), True),
}


@dataclass(frozen=True)
class LibraryPage:
    """One page of a listing and the cursor of the next (None on the last page)."""

    videos: list[Video]
    next_cursor: str | None


def find_videos(owner_id: int, query: LibraryQuery, *, captions: bool = False) -> LibraryPage:
    """The page of the owner's videos that ``query`` asks for (with their captions
    loaded, in one more query, for a list that shows them)."""
    key, descending = SORT_KEYS[query.sort]
    statement = _filtered(select(Video, key), owner_id, query)
    if query.after is not None:
        statement = statement.where(_after(key, descending, *query.after))
    order = (key.desc(), Video.id.desc()) if descending else (key.asc(), Video.id.asc())
    statement = (
        statement.order_by(*order)
        .limit(query.limit + 1)
        .options(selectinload(Video.job), selectinload(Video.tag_rows))
    )
    if captions:
        statement = statement.options(selectinload(Video.captions))
    rows = db.session.execute(statement).all()
    videos = [row[0] for row in rows[: query.limit]]
    if len(rows) <= query.limit:
        return LibraryPage(videos, None)
    last_video, last_key = rows[query.limit - 1]
    return LibraryPage(videos, encode_cursor(query.sort, last_key, last_video.id))


def _after(key: Any, descending: bool, value: Any, row_id: int) -> ColumnElement[bool]:
    if descending:
        return or_(key < value, and_(key == value, Video.id < row_id))
    return or_(key > value, and_(key == value, Video.id > row_id))


def _filtered(statement: Select[Any], owner_id: int, query: LibraryQuery) -> Select[Any]:
    statement = statement.where(Video.owner_id == owner_id)
    if query.status is not None:
        statement = statement.where(Video.status == query.status)
    if query.tag is not None:
        statement = statement.where(
            exists().where(VideoTag.video_id == Video.id, VideoTag.tag == query.tag)
        )
    if query.collection is not None:
        members = select(CollectionItem.video_id).where(
            CollectionItem.collection_id == owned_collection_id(owner_id, query.collection)
        )
        statement = statement.where(Video.id.in_(members))
    if query.searching:
        statement = _searched(statement, query.terms)
    return statement


def owned_collection_id(owner_id: int, public_id: str) -> int:
    """The row id of the owner's collection ``public_id``; anyone else's is a 404."""
    found = db.session.scalar(
        select(Collection.id).where(
            Collection.public_id == public_id, Collection.owner_id == owner_id
        )
    )
    if found is None:
        raise AppError(404, "There is no such collection.", code="not_found")
    return found


def _searched(statement: Select[Any], terms: tuple[str, ...]) -> Select[Any]:
    if not terms:
        return statement.where(false())
    if db.engine.dialect.name == "sqlite":
        fts = table(FTS_TABLE, column("rowid"))
        match = " ".join('"' + term.replace('"', '""') + '"*' for term in terms)
        # IN, not JOIN: SQLite then runs the MATCH once and walks the owner's index in
        # sort order, where a join probes the FTS table once per row (100x slower).
        matched = select(fts.c.rowid).where(literal_column(FTS_TABLE).op("MATCH")(match))
        return statement.where(Video.id.in_(matched))
    return _searched_mysql(statement.join(VideoSearch, VideoSearch.video_id == Video.id), terms)


def _searched_mysql(statement: Select[Any], terms: tuple[str, ...]) -> Select[Any]:
    long_words = [term for term in terms if len(term) >= MYSQL_MIN_WORD]
    if long_words:
        against = " ".join(f"+{term}*" for term in long_words)
        columns: list[ColumnElement[Any]] = [
            literal_column(f"video_search.{name}") for name in SEARCHED_COLUMNS
        ]
        statement = statement.where(mysql.match(*columns, against=against).in_boolean_mode())
    for term in terms:
        if len(term) < MYSQL_MIN_WORD:
            pattern = f"%{term}%"  # letters and digits only: nothing to escape
            statement = statement.where(
                or_(
                    VideoSearch.title.like(pattern),
                    VideoSearch.tags.like(pattern),
                    VideoSearch.description.like(pattern),
                    VideoSearch.captions.like(pattern),
                )
            )
    return statement
