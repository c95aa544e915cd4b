"""Rules and transactions of resumable (tus) uploads.

An upload is a row (who, how long, how far, until when) plus a partial file. Bytes
reach the row's offset only once they are on disk; a finished upload goes through
:func:`~vidstream.services.upload.logic.accept_upload`, the very path the form
takes, and then only the row remains, pointing at the new video until it expires.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, select, update

from vidstream import current
from vidstream.config import Settings
from vidstream.extensions import db
from vidstream.models import Upload
from vidstream.models.base import utcnow
from vidstream.models.video import new_public_id
from vidstream.services.upload.logic import (
    accept_upload,
    check_free_space,
    check_quota,
    check_size,
    human_size,
    lock_quota,
    used_bytes,
)
from vidstream.services.upload.tus.partial import (
    BodyStream,
    Partial,
    append_body,
    locked_partial,
    partial_dir,
    partial_size,
)
from vidstream.services.upload.tus.protocol import CHECKSUM_MISMATCH, Checksum
from vidstream.services.upload.tus.publish import sealed_copy
from vidstream.services.upload.tus.socket_body import SocketBody
from vidstream.storage import StorageFullError
from vidstream.web.access import owned_upload, token_still_valid_check
from vidstream.web.errors import AppError
from vidstream.web.site import account_limits

log = logging.getLogger(__name__)

UNKNOWN = "No upload with that id exists."


def _settings() -> Settings:
    settings = current.settings()
    return settings


def _expiry() -> datetime:
    return utcnow() + timedelta(hours=_settings().upload_expiry_hours)


def pending_bytes(user_id: int) -> int:
    """Bytes the user's unfinished, unexpired uploads have announced."""
    total = db.session.scalar(
        select(func.coalesce(func.sum(Upload.length), 0)).where(
            Upload.owner_id == user_id,
            Upload.video_public_id.is_(None),
            Upload.expires_at > utcnow(),
        )
    )
    return int(total or 0)


def check_room(settings: Settings, user_id: int, length: int) -> None:
    """413 when the upload is too large, or would not fit the quota with the unfinished ones."""
    check_size(settings, length)
    check_quota(settings, user_id, length)
    pending = pending_bytes(user_id)
    quota, _daily = account_limits(user_id)
    if quota and used_bytes(user_id) + pending + length > quota:
        raise AppError(
            413,
            f"Your unfinished uploads already reserve {human_size(pending)}; with this one "
            f"they would exceed your storage quota of {human_size(quota)}. Finish or cancel "
            "some of them first.",
            code="quota_exceeded",
        )


def create_upload(user_id: int, length: int, metadata: dict[str, str]) -> Upload:
    """Record a new upload of ``length`` bytes for ``user_id``; its room is reserved at once."""
    lock_quota(user_id)
    check_room(_settings(), user_id, length)
    upload = Upload(
        public_id=new_public_id(),
        owner_id=user_id,
        length=length,
        offset=0,
        filename=(metadata.get("filename") or metadata.get("name") or "")[:255] or None,
        filetype=(metadata.get("filetype") or metadata.get("type") or "")[:100] or None,
        title=(metadata.get("title") or "")[:200] or None,
        expires_at=_expiry(),
    )
    db.session.add(upload)
    db.session.commit()
    log.info("upload %s created: %d bytes for user %d", upload.public_id, length, user_id)
    return upload


def live_upload(public_id: str) -> Upload:
    """An upload of the current user (404 for anyone else's or none); 410 once expired."""
    upload = owned_upload(public_id)
    if upload.expires_at <= utcnow():
        raise AppError(410, "This upload has expired; start it again.", code="gone")
    return upload


def current_offset(upload: Upload) -> int:
    """How many bytes the server holds: never more than both the row and the file say."""
    if upload.completed:
        return upload.length
    return min(upload.offset, partial_size(_settings(), upload.public_id))


@dataclass(frozen=True)
class Chunk:
    """One request body that continues an upload."""

    offset: int
    length: int
    body: BodyStream | SocketBody
    checksum: Checksum | None = None


def receive_chunk(upload: Upload, chunk: Chunk) -> Upload:
    """Append one body at ``chunk.offset``; finish the upload if it is now complete."""
    if upload.completed:
        _check_position(upload, upload.length, chunk)
        return upload
    with locked_partial(upload.public_id) as partial:
        upload = _reload(upload.id)
        if upload.completed:
            _check_position(upload, upload.length, chunk)
            return upload
        _check_position(upload, _reconcile(upload, partial), chunk)
        check_free_space(_settings(), chunk.length)
        partial.fence = _both(partial.fence, token_still_valid_check())
        _append(upload, partial, chunk)
        if partial.size() == upload.length:
            _finish(upload, partial)
        return upload


def _both(first: Callable[[], None], second: Callable[[], None]) -> Callable[[], None]:
    def both() -> None:
        first()
        second()

    return both


def _check_position(upload: Upload, offset: int, chunk: Chunk) -> None:
    """409 unless the chunk starts where the upload stands; 413 if it runs past its end."""
    if chunk.offset != offset:
        raise AppError(
            409, f"The upload is at offset {offset}, not {chunk.offset}.", code="conflict"
        )
    if chunk.length > upload.length - offset:
        raise AppError(413, "This chunk runs past the Upload-Length given at creation.")


def _reload(upload_id: int) -> Upload:
    """The row as it is now (a new transaction, so no stale snapshot), or 404 if gone."""
    db.session.commit()
    upload = db.session.get(Upload, upload_id, populate_existing=True)
    if upload is None:
        raise AppError(404, UNKNOWN)
    return upload


def _reconcile(upload: Upload, partial: Partial) -> int:
    """Trust min(row, file): cut off bytes a crash left unrecorded, or step back if lost."""
    offset = min(upload.offset, partial.size())
    partial.cut_to(offset)
    if offset != upload.offset:
        log.warning("upload %s: cut back to %d bytes", upload.public_id, offset)
        _record_offset(upload.id, offset)
    return offset


def _record_offset(upload_id: int, offset: int) -> None:
    """Durably move the row's offset (the bytes are already fsynced) and extend its life."""
    db.session.execute(
        update(Upload)
        .where(Upload.id == upload_id)
        .values(offset=offset, expires_at=_expiry(), updated_at=utcnow())
    )
    db.session.commit()


def _append(upload: Upload, partial: Partial, chunk: Chunk) -> None:
    """Stream the body to disk, recording progress as it goes (unless a checksum must pass)."""
    upload_id, start, checksum, length = upload.id, chunk.offset, chunk.checksum, upload.length
    hasher = checksum.hasher() if checksum is not None else None
    recorded = start
    # Checkpoints are recorded from a helper thread, in an application context (and so a
    # database session) of their own; this thread's transaction ends before the body.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    db.session.commit()

    def checkpoint(appended: int) -> None:
        nonlocal recorded
        with app.app_context():
            _record_offset(upload_id, start + appended)
        recorded = start + appended

    try:
        appended, complete = append_body(
            partial, chunk.body, chunk.length, None if checksum else checkpoint, hasher
        )
    except StorageFullError:
        # Unrecorded bytes would only hold on to space the disk has run out of.
        partial.cut_to(recorded)
        raise
    if checksum is not None and not (complete and checksum.matches(hasher)):
        partial.cut_to(start)
        raise AppError(
            CHECKSUM_MISMATCH,
            "The chunk does not match its Upload-Checksum; it was discarded.",
            code="checksum_mismatch",
        )
    partial.sync()
    if recorded < start + appended < length:
        partial.fence()
        _record_offset(upload_id, start + appended)
    db.session.refresh(upload)


def _finish(upload: Upload, partial: Partial) -> None:
    """Hand a sealed copy of the file to the form's own acceptance path; 4xx leaves nothing.

    The copy, not the partial file, is validated and stored: see :mod:`.publish`.
    """
    partial.fence()
    try:
        with sealed_copy(partial) as sealed:
            video = accept_upload(upload.owner_id, sealed, upload.filename, upload.title)
    except AppError as error:
        if 400 <= error.status < 500:
            _discard(upload.id, partial)
        raise
    db.session.execute(
        update(Upload)
        .where(Upload.id == upload.id)
        .values(
            offset=upload.length,
            video_public_id=video.public_id,
            expires_at=_expiry(),
            updated_at=utcnow(),
        )
    )
    db.session.commit()
    partial.path.unlink(missing_ok=True)
    db.session.refresh(upload)
    log.info("upload %s complete: video %s", upload.public_id, upload.video_public_id)


def _discard(upload_id: int, partial: Partial) -> None:
    db.session.rollback()
    db.session.execute(delete(Upload).where(Upload.id == upload_id))
    db.session.commit()
    partial.path.unlink(missing_ok=True)


def terminate_upload(upload: Upload) -> None:
    """Delete an upload and its bytes (a finished upload's video stays in the library)."""
    public_id = upload.public_id
    with locked_partial(public_id) as partial:
        _discard(upload.id, partial)
    log.info("upload %s terminated", public_id)


def collect_expired_uploads(now: datetime | None = None) -> int:
    """Delete expired uploads and their partial files; skip any busy one. Return how many."""
    cutoff = now or utcnow()
    expired = db.session.execute(
        select(Upload.id, Upload.public_id).where(Upload.expires_at <= cutoff)
    ).all()
    db.session.commit()
    removed = 0
    for upload_id, public_id in expired:
        try:
            with locked_partial(public_id) as partial:
                _discard(upload_id, partial)
        except AppError:
            continue
        removed += 1
    return removed + _remove_orphans()


def _remove_orphans(grace_seconds: float = 3600) -> int:
    """Delete partial files that no row names (a crash between the two deletions)."""
    folder = partial_dir(_settings())
    cutoff = time.time() - grace_seconds
    files = {p.name: p for p in folder.iterdir() if p.is_file() and p.stat().st_mtime < cutoff}
    if not files:
        return 0
    known = set(db.session.scalars(select(Upload.public_id).where(Upload.public_id.in_(files))))
    db.session.commit()
    for name in files.keys() - known:
        files[name].unlink(missing_ok=True)
    return len(files.keys() - known)
