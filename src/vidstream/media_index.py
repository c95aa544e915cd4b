"""What the byte-serving path needs to know about a video, cheaply.

Every media request needs the owner (for the access check), the storage key, the
size and the validators. With Redis configured these facts are cached there, so a
warm media request runs no SQL at all; deleting or rewriting a video invalidates
the entry. Without Redis, one indexed lookup by public id answers it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import redis
from sqlalchemy import select

from vidstream import current
from vidstream.extensions import db
from vidstream.models import Video, VideoStatus
from vidstream.models.video import split_renditions


@dataclass(frozen=True)
class MediaInfo:
    """The facts about one video that serving its bytes depends on."""

    public_id: str
    owner_id: int
    original_key: str
    size: int
    etag: str
    last_modified: float
    status: str
    # What processing has published: the derived files' version tag (their ETag), the
    # HLS renditions ("240p,360p"), and whether poster and storyboard exist.
    assets_version: str = ""
    renditions: str = ""
    poster: bool = False
    storyboard: bool = False

    @property
    def playable(self) -> bool:
        """Whether the original may be streamed now."""
        return VideoStatus(self.status).playable

    @property
    def rendition_names(self) -> tuple[str, ...]:
        """The HLS renditions that may be served (empty until the whole ladder is stored)."""
        return split_renditions(self.renditions)


def _cache() -> redis.Redis | None:
    client = current.redis()
    return client


def _key(public_id: str) -> str:
    return f"{current.settings().redis_prefix}media:{public_id}"


def _from_row(video: Video) -> MediaInfo:
    return MediaInfo(
        public_id=video.public_id,
        owner_id=video.owner_id,
        original_key=video.original_key,
        size=video.size_bytes,
        etag=video.etag,
        last_modified=video.updated_at.timestamp(),
        status=video.status.value,
        assets_version=video.assets_version or "",
        renditions=video.renditions or "",
        poster=video.poster_ready,
        storyboard=video.storyboard_ready,
    )


def media_info(public_id: str) -> MediaInfo | None:
    """Facts about the video ``public_id``, from the cache when warm; None if unknown."""
    cache = _cache()
    if cache is not None:
        raw = cache.get(_key(public_id))
        if raw is not None:
            return MediaInfo(**json.loads(raw))
    video = db.session.scalar(select(Video).where(Video.public_id == public_id))
    if video is None:
        return None
    info = _from_row(video)
    if cache is not None:
        ttl = current.settings().media_cache_seconds
        cache.set(_key(public_id), json.dumps(asdict(info)), ex=ttl)
    return info


def forget_media(public_id: str) -> None:
    """Drop the cached facts for ``public_id``; call after any change to the video."""
    cache = _cache()
    if cache is not None:
        cache.delete(_key(public_id))
