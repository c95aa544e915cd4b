"""Library rules: deleting a user's videos (listing them is library.py)."""

from __future__ import annotations

import logging

from vidstream import current
from vidstream.extensions import db
from vidstream.media_index import forget_media
from vidstream.models import Video

log = logging.getLogger(__name__)


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
