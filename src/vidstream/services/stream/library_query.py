"""What a library listing asks for: search text, sort, filters and the page cursor.

The library page and ``GET /api/videos`` read the same query string through
:func:`parse_query`, so both accept and refuse exactly the same input. A cursor is
the sort key and id of the last video on the previous page, signed with the app's
secret: it cannot be forged into another user's rows (every query is limited to
the caller's own videos anyway) nor edited into a value of the wrong type, and it
names its sort, so it is refused when the sort changed under it.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

from itsdangerous import BadSignature, URLSafeSerializer

from vidstream import current
from vidstream.models import VideoStatus
from vidstream.services.stream.tags import TAG_LENGTH, normalise_tag
from vidstream.web.errors import AppError
from vidstream.web.text import printable

QUERY_LENGTH = 200  # characters of search text
MAX_TERMS = 10  # words of it that are searched for
TERM_LENGTH = 64  # characters of each word
PAGE_SIZE, MAX_PAGE_SIZE = 48, 100
CURSOR_LENGTH = 400
# Letters and digits: the words both full-text engines index. Everything else in the
# search text (quotes, operators, column filters, brackets) only separates words.
WORD = re.compile(r"[^\W_]+")
E = TypeVar("E", bound=enum.StrEnum)


class SortOrder(enum.StrEnum):
    """How a listing is ordered; each has a tiebreaker on the row id (library.py)."""

    NEWEST = "newest"
    OLDEST = "oldest"
    TITLE = "title"  # A to Z, ignoring case
    DURATION = "duration"  # longest first
    SIZE = "size"  # largest first
    VIEWS = "views"  # most viewed first (analytics)


SORT_LABELS = {
    SortOrder.NEWEST: "Newest first",
    SortOrder.OLDEST: "Oldest first",
    SortOrder.TITLE: "Title (A to Z)",
    SortOrder.DURATION: "Longest first",
    SortOrder.SIZE: "Largest first",
    SortOrder.VIEWS: "Most viewed",
}


@dataclass(frozen=True)
class LibraryQuery:
    """One listing request, checked; ``after`` is the decoded cursor ``(key, id)``."""

    text: str = ""
    terms: tuple[str, ...] = ()
    sort: SortOrder = SortOrder.NEWEST
    status: VideoStatus | None = None
    tag: str | None = None
    collection: str | None = None
    after: tuple[Any, int] | None = None
    limit: int = PAGE_SIZE

    @property
    def searching(self) -> bool:
        """Whether search text was given (even text with no searchable word in it)."""
        return bool(self.text)

    def link_args(self) -> dict[str, str]:
        """The query-string arguments that repeat this listing (without its cursor)."""
        args = {
            "q": self.text,
            "sort": self.sort.value if self.sort is not SortOrder.NEWEST else "",
            "status": self.status.value if self.status else "",
            "tag": self.tag or "",
            "collection": self.collection or "",
        }
        return {name: value for name, value in args.items() if value}


def bad(message: str) -> AppError:
    """A query argument that cannot be used (400)."""
    return AppError(400, message, code="invalid_query")


def parse_query(args: Mapping[str, str], *, limit_allowed: bool) -> LibraryQuery:
    """The checked listing request in ``args`` (a request's query string)."""
    text = args.get("q", "")
    if len(text) > QUERY_LENGTH:
        raise bad(f"Search text can be at most {QUERY_LENGTH} characters.")
    text = printable(text)
    query = LibraryQuery(
        text=text,
        terms=search_terms(text),
        sort=_choice(SortOrder, args.get("sort") or SortOrder.NEWEST.value, "sort"),
        status=_choice(VideoStatus, args["status"], "status") if args.get("status") else None,
        tag=_tag(args.get("tag", "")),
        collection=_collection(args.get("collection", "")),
        limit=_limit(args.get("limit")) if limit_allowed else PAGE_SIZE,
    )
    cursor = args.get("after", "")
    return replace(query, after=decode_cursor(cursor, query.sort)) if cursor else query


def search_terms(text: str) -> tuple[str, ...]:
    """The words searched for: letters and digits only, lower-case, a bounded number."""
    words = (word[:TERM_LENGTH] for word in WORD.findall(text.lower()))
    return tuple(dict.fromkeys(words))[:MAX_TERMS]


def _choice(kind: type[E], value: str, name: str) -> E:
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise bad(f"{name} must be one of {choices}.") from None


def _tag(value: str) -> str | None:
    if not value:
        return None
    if len(value) > TAG_LENGTH:
        raise bad(f"A tag is at most {TAG_LENGTH} characters.")
    return normalise_tag(value)


def _collection(value: str) -> str | None:
    if value and (len(value) > 16 or not re.fullmatch(r"[A-Za-z0-9_-]+", value)):
        raise AppError(404, "There is no such collection.", code="not_found")
    return value or None


def _limit(value: str | None) -> int:
    if value is None:
        return PAGE_SIZE
    if len(value) > 3 or not value.isascii() or not value.isdecimal():
        raise bad(f"limit must be a whole number from 1 to {MAX_PAGE_SIZE}.")
    if not 1 <= int(value) <= MAX_PAGE_SIZE:
        raise bad(f"limit must be a whole number from 1 to {MAX_PAGE_SIZE}.")
    return int(value)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current.settings().secret_key, salt="vidstream.library-cursor")


def encode_cursor(sort: SortOrder, key: Any, row_id: int) -> str:
    """The signed cursor that continues a listing after the row ``(key, row_id)``."""
    value = key.isoformat() if isinstance(key, datetime) else key
    return str(_serializer().dumps([sort.value, value, row_id]))


def decode_cursor(cursor: str, sort: SortOrder) -> tuple[Any, int]:
    """The ``(key, id)`` a cursor continues after; a forged or stale one is a 400."""
    stale = bad("This page link is no longer valid: start again from the first page.")
    if len(cursor) > CURSOR_LENGTH:
        raise stale
    try:
        loaded = _serializer().loads(cursor)
    except (BadSignature, UnicodeError, ValueError):
        raise stale from None
    if not (isinstance(loaded, list) and len(loaded) == 3 and loaded[0] == sort.value):
        raise stale
    _, key, row_id = loaded
    if type(row_id) is not int:
        raise stale
    try:
        return _key_value(sort, key), row_id
    except (TypeError, ValueError):
        raise stale from None


def _key_value(sort: SortOrder, key: Any) -> Any:
    if sort in (SortOrder.NEWEST, SortOrder.OLDEST):
        return datetime.fromisoformat(key)
    if sort is SortOrder.TITLE:
        if not isinstance(key, str):
            raise TypeError(key)
        return key
    if type(key) is not int:
        raise TypeError(key)
    return key
