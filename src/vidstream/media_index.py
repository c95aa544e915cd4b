"""What the byte-serving path needs to know about a video, cheaply.

Every media request needs who may see the video (owner, visibility, the accounts it
is shared with: for the access check), the storage key, the size and the validators.
With Redis configured these facts are cached there, so a warm media request runs no
SQL at all; changing a video or its shares invalidates the entry. Without Redis, one
indexed lookup by public id answers it. Share links are looked up the same way.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC

import redis
from sqlalchemy import select

from vidstream import current
from vidstream.extensions import db
from vidstream.models import Share, ShareKind, Video, VideoStatus, Visibility
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
    # Who else may watch: the visibility, and the accounts it is shared with.
    visibility: str = Visibility.PRIVATE.value
    recipient_ids: tuple[int, ...] = ()
    title: str = ""

    @property
    def playable(self) -> bool:
        """Whether the original may be streamed now."""
        return VideoStatus(self.status).playable

    @property
    def rendition_names(self) -> tuple[str, ...]:
        """The HLS renditions that may be served: set once the growing ladder's master is
        stored (the video may still be ``processing``), empty before."""
        return split_renditions(self.renditions)


def _cache() -> redis.Redis | None:
    client = current.redis()
    return client


def _key(public_id: str) -> str:
    return f"{current.settings().redis_prefix}media:{public_id}"


def _recipients(video_id: int) -> tuple[int, ...]:
    query = select(Share.recipient_id).where(
        Share.video_id == video_id,
        Share.kind == ShareKind.ACCOUNT,
        Share.revoked_at.is_(None),
    )
    return tuple(sorted(r for r in db.session.scalars(query) if r is not None))


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
        visibility=video.visibility.value,
        recipient_ids=_recipients(video.id),
        title=video.title,
    )


def media_info(public_id: str) -> MediaInfo | None:
    """Facts about the video ``public_id``, from the cache when warm; None if unknown."""
    cache = _cache()
    if cache is not None:
        raw = cache.get(_key(public_id))
        if raw is not None:
            fields = json.loads(raw)
            fields["recipient_ids"] = tuple(fields.get("recipient_ids", ()))
            return MediaInfo(**fields)
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


@dataclass(frozen=True)
class LinkInfo:
    """What checking a share link on the byte path needs (its use counts are not here)."""

    share_id: int
    share_public_id: str
    video_public_id: str
    expires_at: float | None
    allow_download: bool
    has_password: bool
    max_views: int | None

    def expired(self, now: float) -> bool:
        """Whether the link's time is up."""
        return self.expires_at is not None and now >= self.expires_at


def _link_key(token_sha256: str) -> str:
    return f"{current.settings().redis_prefix}link:{token_sha256}"


def link_info(token: str) -> LinkInfo | None:
    """The active link share whose token is ``token``, or None (unknown or revoked)."""
    digest = Share.hash(token)
    cache = _cache()
    if cache is not None:
        raw = cache.get(_link_key(digest))
        if raw is not None:
            return LinkInfo(**json.loads(raw))
    row = db.session.execute(
        select(Share, Video.public_id)
        .join(Video, Video.id == Share.video_id)
        .where(Share.token_sha256 == digest, Share.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    share, video_public_id = row
    info = LinkInfo(
        share_id=share.id,
        share_public_id=share.public_id,
        video_public_id=video_public_id,
        expires_at=share.expires_at.replace(tzinfo=UTC).timestamp() if share.expires_at else None,
        allow_download=share.allow_download,
        has_password=share.password_hash is not None,
        max_views=share.max_views,
    )
    if cache is not None:
        ttl = current.settings().media_cache_seconds
        cache.set(_link_key(digest), json.dumps(asdict(info)), ex=ttl)
    return info


def forget_link(token_sha256: str | None) -> None:
    """Drop the cached facts of a link share; call when it is revoked or changed."""
    cache = _cache()
    if cache is not None and token_sha256:
        cache.delete(_link_key(token_sha256))
