"""Library rules: listing and deleting a user's videos."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from vidstream import current
from vidstream.extensions import db
from vidstream.media_index import forget_media
from vidstream.models import Video

log = logging.getLogger(__name__)


def list_videos(user_id: int) -> list[Video]:
    """The user's own videos, newest first."""
    query = (
        select(Video)
        .where(Video.owner_id == user_id)
        .order_by(Video.created_at.desc(), Video.id.desc())
        .options(selectinload(Video.job))
    )
    return list(db.session.scalars(query))


def delete_video(video: Video) -> None:
    """Remove the row, then every stored file of the video, then its cache entry.

    The row goes first: if the process dies between the two steps, what remains is a
    file without a row, which ``vidstream storage check`` finds and may delete, never
    a row pointing at missing bytes.
    """
    storage = current.storage()
    public_id, prefix = video.public_id, video.storage_prefix
    db.session.delete(video)
    db.session.commit()
    forget_media(public_id)
    removed = storage.delete_prefix(prefix)
    log.info("deleted video %s and %d stored file(s)", public_id, removed)
