"""What the byte-serving path needs to know about a video, cheaply.

Every media request needs who may see the video (owner, visibility, the accounts it
is shared with: for the access check), the storage key, the size and the validators.
With Redis configured these facts are cached there, so a warm media request runs no
SQL at all; changing a video or its shares invalidates the entry. With the embedded
SQLite database and no Redis, each process keeps them in memory instead, until any
process on the machine reports a change (media_memo.py). With MariaDB and no Redis,
one indexed lookup by public id answers each request. Share links and session epochs
are looked up the same way.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC
from typing import Any

import redis
from sqlalchemy import bindparam, func, select

from vidstream import current
from vidstream.extensions import db
from vidstream.media_memo import Memo, memo_for
from vidstream.models import Caption, Share, ShareKind, User, Video, VideoStatus, Visibility
from vidstream.models.video import original_key, split_renditions, upload_key


@dataclass(frozen=True)
class MediaInfo:
    """The facts about one video that serving its bytes depends on."""

    public_id: str
    owner_id: int
    # The playable MP4 (``original.mp4``) and its size; 0 until it exists.
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
    # The captions, as "en:1a2b3c4d,pt-BR:5e6f7a8b" (language and version, in order).
    captions: str = ""
    # The upload kept as it came beside the playable MP4 ("mkv", ...; "" when the upload
    # is the playable MP4), and its size.
    source_format: str = ""
    upload_size: int = 0
    # A disabled owner's videos are seen by nobody (web/video_access.py).
    owner_disabled: bool = False

    @property
    def download_key(self) -> str:
        """The file a download sends: the upload as it came."""
        return upload_key(self.public_id, self.source_format or None)

    @property
    def download_size(self) -> int:
        """Bytes of the file a download sends."""
        return self.upload_size if self.source_format else self.size

    @property
    def downloadable(self) -> bool:
        """Whether the upload may be downloaded now: a kept upload as soon as it is
        stored (whatever became of its processing), the playable MP4 while playable."""
        if self.source_format:
            return self.status != VideoStatus.UPLOADING.value
        return self.playable

    @property
    def playable(self) -> bool:
        """Whether the original may be streamed now."""
        return VideoStatus(self.status).playable

    @property
    def rendition_names(self) -> tuple[str, ...]:
        """The HLS renditions that may be served: set once the growing ladder's master is
        stored (the video may still be ``processing``), empty before."""
        return split_renditions(self.renditions)

    @property
    def caption_versions(self) -> dict[str, str]:
        """Each caption's language and version (its file's validator)."""
        pairs = (part.partition(":") for part in self.captions.split(",") if part)
        return {language: version for language, _, version in pairs}


def _cache() -> redis.Redis | None:
    client = current.redis()
    return client


def _memo() -> Memo | None:
    """This process's memo, when the facts may be kept in memory (module notes)."""
    settings = current.settings()
    if settings.redis_url or not settings.database_url.startswith("sqlite"):
        return None
    return memo_for(settings.data_dir, settings.media_cache_seconds)


def _kept(key: tuple[str, object]) -> tuple[Memo | None, Any, int]:
    """This process's memo (None: not kept here), what it holds under ``key``, and the
    counter to :meth:`~vidstream.media_memo.Memo.put` a fresh read under."""
    memo = _memo()
    if memo is None:
        return None, None, 0
    value, generation = memo.read(key)
    return memo, value, generation


def _forget_kept() -> None:
    memo = _memo()
    if memo is not None:
        memo.forget_all()


def _key(public_id: str) -> str:
    return f"{current.settings().redis_prefix}media:{public_id}"


# The accounts a video is shared with, as "3,17", fetched with the video in one query.
_RECIPIENTS = (
    select(func.group_concat(Share.recipient_id))
    .where(
        Share.video_id == Video.id,
        Share.kind == ShareKind.ACCOUNT,
        Share.revoked_at.is_(None),
    )
    .correlate(Video)
    .scalar_subquery()
)


# The video's captions as "language:version" items (models/caption.py bounds how many).
_CAPTIONS = (
    select(func.group_concat(Caption.language + ":" + Caption.version))
    .where(Caption.video_id == Video.id)
    .correlate(Video)
    .scalar_subquery()
)


def _captions(joined: str | None) -> str:
    return ",".join(sorted(part for part in (joined or "").split(",") if part))


def _ids(joined: str | None) -> tuple[int, ...]:
    return tuple(sorted(int(part) for part in (joined or "").split(",") if part))


# Built once: only the columns serving needs, the id bound per request, so a cold media
# request costs one small query and no ORM object.
_MEDIA_QUERY = (
    select(
        Video.public_id,
        Video.owner_id,
        Video.size_bytes,
        Video.etag,
        Video.updated_at,
        Video.status,
        Video.assets_version,
        Video.renditions,
        Video.poster_ready,
        Video.storyboard_ready,
        Video.visibility,
        Video.title,
        Video.source_format,
        Video.playable_size_bytes,
        User.disabled_at,
        _CAPTIONS,
        _RECIPIENTS,
    )
    .join(User, User.id == Video.owner_id)
    .where(Video.public_id == bindparam("public_id"))
)


def _from_row(row: Any) -> MediaInfo:
    return MediaInfo(
        public_id=row.public_id,
        owner_id=row.owner_id,
        original_key=original_key(row.public_id),
        size=(row.playable_size_bytes or 0) if row.source_format else row.size_bytes,
        etag=row.etag,
        last_modified=row.updated_at.timestamp(),
        status=row.status.value,
        assets_version=row.assets_version or "",
        renditions=row.renditions or "",
        poster=row.poster_ready,
        storyboard=row.storyboard_ready,
        visibility=row.visibility.value,
        recipient_ids=_ids(row[-1]),
        title=row.title,
        source_format=row.source_format or "",
        upload_size=row.size_bytes,
        owner_disabled=row.disabled_at is not None,
        captions=_captions(row[-2]),
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
    memo, kept, generation = _kept(("media", public_id))
    if kept is not None:
        return kept  # type: ignore[no-any-return]
    row = db.session.connection().execute(_MEDIA_QUERY, {"public_id": public_id}).first()
    if row is None:
        return None
    info = _from_row(row)
    if memo is not None:
        memo.put(("media", public_id), info, generation)
    if cache is not None:
        ttl = current.settings().media_cache_seconds
        cache.set(_key(public_id), json.dumps(asdict(info)), ex=ttl)
    return info


def forget_media(public_id: str) -> None:
    """Drop the cached facts for ``public_id``; call after any change to the video."""
    _forget_kept()
    cache = _cache()
    if cache is not None:
        cache.delete(_key(public_id))


def forget_owner_media(owner_id: int) -> None:
    """Drop the cached facts of every video of ``owner_id`` (the account was disabled
    or enabled again: the facts carry the owner's standing)."""
    _forget_kept()
    cache = _cache()
    if cache is None:
        return
    ids = db.session.scalars(select(Video.public_id).where(Video.owner_id == owner_id)).all()
    for start in range(0, len(ids), 500):
        cache.delete(*(_key(public_id) for public_id in ids[start : start + 500]))


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
    memo, kept, generation = _kept(("link", digest))
    if kept is not None:
        return kept  # type: ignore[no-any-return]
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
    if memo is not None:
        memo.put(("link", digest), info, generation)
    if cache is not None:
        ttl = current.settings().media_cache_seconds
        cache.set(_link_key(digest), json.dumps(asdict(info)), ex=ttl)
    return info


def forget_link(token_sha256: str | None) -> None:
    """Drop the cached facts of a link share; call when it is revoked or changed."""
    _forget_kept()
    cache = _cache()
    if cache is not None and token_sha256:
        cache.delete(_link_key(token_sha256))


def _epoch_key(user_id: int) -> str:
    return f"{current.settings().redis_prefix}epoch:{user_id}"


EPOCH_SECONDS = 86400
# Built once, run on the connection: without Redis every signed-in media request asks it.
_EPOCH_QUERY = select(User.session_epoch, User.disabled_at).where(User.id == bindparam("user_id"))


def user_epoch(user_id: int) -> int | None:
    """The account's session epoch for the byte path: one Redis GET when warm.

    None for an account that is gone or disabled. Without Redis, one indexed read.
    A cold fill uses SET NX, so it never overwrites a newer value that
    :func:`publish_epoch` wrote while the fill was reading the database.
    """
    cache = _cache()
    if cache is not None:
        raw = cache.get(_epoch_key(user_id))
        if raw is not None:
            value = int(raw)
            return None if value < 0 else value
    memo, kept, generation = _kept(("epoch", user_id))
    if kept is not None:
        return None if kept < 0 else int(kept)
    row = db.session.connection().execute(_EPOCH_QUERY, {"user_id": user_id}).first()
    epoch = -1 if row is None or row.disabled_at is not None else int(row.session_epoch)
    if memo is not None:
        memo.put(("epoch", user_id), epoch, generation)
    if cache is not None:
        cache.set(_epoch_key(user_id), epoch, ex=EPOCH_SECONDS, nx=True)
    return None if epoch < 0 else epoch


def prime_epoch(user_id: int, epoch: int) -> None:
    """Warm the byte path's epoch at sign-in, unless a value (maybe newer) is there already."""
    cache = _cache()
    if cache is not None:
        cache.set(_epoch_key(user_id), epoch, ex=EPOCH_SECONDS, nx=True)


def publish_epoch(user_id: int, epoch: int | None) -> None:
    """Tell the byte path the account's epoch moved (None: disabled or deleted), at once."""
    _forget_kept()
    cache = _cache()
    if cache is not None:
        cache.set(_epoch_key(user_id), -1 if epoch is None else epoch, ex=EPOCH_SECONDS)
