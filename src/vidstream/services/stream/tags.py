"""Tags on videos: what a tag may be, and setting a video's tags.

A tag is stored lower-case with its inner spaces collapsed, so "Holiday  2024" and
"holiday 2024" are one tag. Limits: at most :data:`MAX_TAGS` tags per video, each
1 to :data:`TAG_LENGTH` characters, no commas (the form separates tags with them).
"""

from __future__ import annotations

from sqlalchemy import select, update

from vidstream.extensions import db
from vidstream.models import Video, VideoSearch, VideoTag
from vidstream.web.errors import AppError
from vidstream.web.text import printable

TAG_LENGTH = 40
MAX_TAGS = 20


def normalise_tag(raw: str) -> str:
    """A tag as stored: printable, lower-case, single spaces, trimmed."""
    return " ".join(printable(raw).lower().split())


def parse_tags(values: list[str]) -> list[str]:
    """The distinct tags of ``values``, checked against the limits (400 otherwise)."""
    if len(values) > MAX_TAGS:
        raise _invalid(f"A video can have at most {MAX_TAGS} tags.")
    tags: list[str] = []
    for value in values:
        if len(value) > TAG_LENGTH:
            raise _invalid(f"A tag is at most {TAG_LENGTH} characters: “{value[:20]}…”.")
        tag = normalise_tag(value)
        if not tag:
            continue
        if "," in tag:
            raise _invalid("A tag cannot contain a comma.")
        if tag not in tags:
            tags.append(tag)
    return tags


def split_tag_field(text: str) -> list[str]:
    """The tags typed into the form's one field, separated by commas (blanks dropped)."""
    return [part.strip() for part in text.split(",") if part.strip()]


def set_tags(video: Video, tags: list[str]) -> None:
    """Replace the video's tags and its search document's (the caller commits)."""
    wanted = sorted(parse_tags(tags))
    kept = [row for row in video.tag_rows if row.tag in wanted]
    have = {row.tag for row in kept}
    video.tag_rows = kept + [VideoTag(tag=tag) for tag in wanted if tag not in have]
    db.session.execute(
        update(VideoSearch).where(VideoSearch.video_id == video.id).values(tags=" ".join(wanted))
    )


def owner_tags(owner_id: int) -> list[str]:
    """Every tag the owner uses, alphabetically (for the library's filter menu)."""
    query = (
        select(VideoTag.tag)
        .join(Video, Video.id == VideoTag.video_id)
        .where(Video.owner_id == owner_id)
        .distinct()
        .order_by(VideoTag.tag)
    )
    return list(db.session.scalars(query))


def _invalid(message: str) -> AppError:
    return AppError(400, message, code="invalid_tags")
