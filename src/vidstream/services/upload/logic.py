"""Upload rules and the one transaction that turns staged bytes into a library entry.

Order matters: validate the staged file, write it durably to storage, and only then
commit the row. If anything fails after the write, the stored file is deleted, so a
failure leaves neither a row without a file nor a file without a row.
"""

from __future__ import annotations

import logging
import shutil
from datetime import timedelta
from pathlib import Path, PurePosixPath, PureWindowsPath

from sqlalchemy import func, select, text

from vidstream import current
from vidstream.config import Settings
from vidstream.extensions import db
from vidstream.jobs.tasks import enqueue_processing
from vidstream.media.containers import CONTAINERS
from vidstream.media.faststart import moov_at_front
from vidstream.media.probe import (
    NotVideoError,
    UnplayableVideoError,
    VideoProbe,
    check_media_data,
    probe_video,
)
from vidstream.models import User, Video, VideoJob, VideoStatus
from vidstream.models.base import utcnow
from vidstream.models.video import new_public_id, upload_key
from vidstream.ops.metrics import metrics
from vidstream.web.errors import AppError
from vidstream.web.site import account_limits
from vidstream.web.text import printable

log = logging.getLogger(__name__)

# Allowance for the multipart envelope (boundaries, headers, small fields) around the file.
MULTIPART_OVERHEAD = 64 * 1024
# Room an upload must leave on the staging disk for sessions, counters and the database
# (1% of a disk smaller than 1.6 GB).
DISK_HEADROOM_BYTES = 16 * 1024 * 1024


def display_name(raw: str | None) -> str:
    """The uploader's file name reduced to a safe display string (data only, never a path)."""
    name = printable(PureWindowsPath(PurePosixPath(raw or "").name).name)
    if not name.strip("."):  # "." and ".." name directories, not files
        return "video.mp4"
    return name[:255]


def default_title(filename: str) -> str:
    """A title from the file name without its extension."""
    stem = filename.rsplit(".", 1)[0] if "." in filename[1:] else filename
    return stem.strip()[:200] or "Untitled video"


def human_size(size: int) -> str:
    """A byte count as people read it in messages: ``512 bytes``, ``1.5 GiB``."""
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return str(size)


def check_size(settings: Settings, size: int) -> None:
    """413 when one file is larger than the server accepts."""
    if size > settings.max_upload_bytes:
        raise AppError(
            413,
            f"This file is {human_size(size)}; the largest upload allowed is "
            f"{human_size(settings.max_upload_bytes)}.",
        )


def used_bytes(user_id: int) -> int:
    """Bytes the user's stored originals take up."""
    used = db.session.scalar(
        select(func.coalesce(func.sum(Video.size_bytes), 0)).where(Video.owner_id == user_id)
    )
    return int(used or 0)


def check_quota(settings: Settings, user_id: int, incoming: int) -> None:
    """413 when ``incoming`` more bytes would take the user past their quota (0 = none);
    429 when the account has made its uploads for the day (web/site.py has both limits).
    """
    quota, daily = account_limits(user_id)
    if daily:
        since = utcnow() - timedelta(days=1)
        today = db.session.scalar(
            select(func.count())
            .select_from(Video)
            .where(Video.owner_id == user_id, Video.created_at > since)
        )
        if (today or 0) >= daily:
            raise AppError(
                429,
                f"You have uploaded {daily} videos in the last day, your daily limit. "
                "Try again later.",
                code="daily_upload_limit",
            )
    if quota == 0:
        return
    used = used_bytes(user_id)
    if used + incoming > quota:
        raise AppError(
            413,
            f"This upload would exceed your storage quota: {human_size(used)} of "
            f"{human_size(quota)} used, and the file is {human_size(incoming)}.",
            code="quota_exceeded",
        )


def lock_quota(user_id: int) -> None:
    """Begin a transaction in which nobody else can record bytes for ``user_id``.

    On MySQL/MariaDB the owner's row is locked ``FOR UPDATE``. SQLite has no row locks
    and ignores that clause, so there the transaction takes the database's write lock
    at once (``BEGIN IMMEDIATE``); a concurrent upload waits for it (busy timeout) and
    then sees this one's row. Whatever this session read before is ended first: the
    check that follows must see what is committed now, not the snapshot of an earlier
    read (MariaDB's REPEATABLE READ keeps that one for the whole transaction).
    """
    db.session.commit()
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(text("BEGIN IMMEDIATE"))
    else:
        db.session.execute(select(User.id).where(User.id == user_id).with_for_update())


def check_free_space(settings: Settings, incoming: int) -> None:
    """507 at once when the staging disk cannot hold ``incoming`` more bytes (plus headroom).

    A body that would fill the disk is refused before it is read, rather than after
    it has streamed for minutes; uploads running side by side can still fill it, and
    then the write that fails answers 507 the same way.
    """
    disk = shutil.disk_usage(settings.staging_dir)
    if incoming + min(DISK_HEADROOM_BYTES, disk.total // 100) > disk.free:
        raise AppError(
            507,
            "The server has no room for an upload this large right now. Try again later, "
            "or ask its administrator to free some space.",
            code="storage_full",
        )


def precheck_request(user_id: int, content_length: int | None) -> None:
    """Refuse an upload whose declared body is already too large, before reading it."""
    if not content_length:
        return
    settings = current.settings()
    payload = max(0, content_length - MULTIPART_OVERHEAD)
    check_size(settings, payload)
    check_quota(settings, user_id, payload)
    check_free_space(settings, payload)


def validate_media(path: Path) -> VideoProbe:
    """Probe the staged file: 415 if it is not a video vidstream reads, 422 if it cannot be
    played or is cut short. Only the content decides, never the name or declared type."""
    if path.stat().st_size == 0:
        raise AppError(422, "The file is empty.")
    try:
        check_media_data(path)
        probe = probe_video(path)
    except NotVideoError as error:
        raise AppError(415, str(error)) from None
    except UnplayableVideoError as error:
        raise AppError(422, str(error)) from None
    return probe


def accept_upload(user_id: int, staged: Path, filename: str | None, title: str | None) -> Video:
    """Validate, store and record one staged upload; return the committed video.

    An H.264/AAC MP4 is stored as the playable MP4 itself, and left ``ready_original``
    (its index is already in front) or ``validating``. Anything else is kept as it came
    under its source key, ``validating`` until the worker has made its playable MP4.
    Processing is queued once the row is committed.
    """
    try:
        video = _accept(user_id, staged, filename, title)
    except AppError:
        metrics().uploads.labels("refused").inc()
        raise
    metrics().uploads.labels("accepted").inc()
    return video


def _accept(user_id: int, staged: Path, filename: str | None, title: str | None) -> Video:
    settings = current.settings()
    storage = current.storage()
    size = staged.stat().st_size
    check_size(settings, size)
    check_quota(settings, user_id, size)
    probe = validate_media(staged)
    # With its index in front an MP4 plays at once; otherwise the worker moves it first,
    # or makes the playable MP4 from the upload.
    playable = probe.is_playable_mp4 and moov_at_front(staged)
    status = VideoStatus.READY_ORIGINAL if playable else VideoStatus.VALIDATING
    name = display_name(filename)
    public_id = new_public_id()
    storage.put_file(upload_key(public_id, _source_format(probe)), staged)
    try:
        video = _commit_video_row(settings, user_id, public_id, name, title, size, probe, status)
    except BaseException:
        db.session.rollback()
        storage.delete_prefix(f"videos/{public_id}/")
        raise
    enqueue_processing(video.id, status)
    return video


def _source_format(probe: VideoProbe) -> str | None:
    """The container the upload is kept in beside its playable MP4; None when it is one."""
    return None if probe.is_playable_mp4 else probe.container


def _commit_video_row(
    settings: Settings,
    user_id: int,
    public_id: str,
    name: str,
    title: str | None,
    size: int,
    probe: VideoProbe,
    status: VideoStatus,
) -> Video:
    """Commit the row, re-checking the quota while no other upload of the owner's can."""
    lock_quota(user_id)
    check_quota(settings, user_id, size)
    width, height = probe.display_size
    video = Video(
        public_id=public_id,
        owner_id=user_id,
        title=printable(title or "")[:200] or default_title(name),
        original_filename=name,
        size_bytes=size,
        content_type=CONTAINERS[probe.container].content_type,
        source_format=_source_format(probe),
        duration_seconds=probe.duration_seconds,
        width=width,
        height=height,
        video_codec=probe.video_codec,
        audio_codec=probe.audio_codec,
        status=status,
        job=VideoJob(),
    )
    db.session.add(video)
    db.session.commit()
    log.info("stored video %s (%d bytes) for user %d", public_id, size, user_id)
    return video
