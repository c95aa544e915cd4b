"""Processing a video again from scratch (``vidstream videos reprocess``)."""

from __future__ import annotations

import enum

from sqlalchemy import select

from vidstream.extensions import db
from vidstream.jobs.lease import lease_is_free
from vidstream.jobs.records import remove_derived, reset_for_reprocessing
from vidstream.jobs.tasks import enqueue_processing
from vidstream.media_index import forget_media
from vidstream.models import Video, VideoStatus


class Reprocessed(enum.Enum):
    """What became of a reprocessing request."""

    QUEUED = "queued"
    BUSY = "busy: a worker is processing it right now"
    UPLOADING = "still uploading"


def reprocess(video: Video) -> Reprocessed:
    """Drop the video's derived files and queue it again, unless a worker holds it now."""
    if video.status is VideoStatus.UPLOADING:
        return Reprocessed.UPLOADING
    job = video.job
    if job is not None and not lease_is_free(
        job.lease_token, job.lease_expires_at, job.lease_owner
    ):
        return Reprocessed.BUSY
    reset_for_reprocessing(video)
    db.session.commit()
    forget_media(video.public_id)
    remove_derived(video.public_id)
    enqueue_processing(video.id, video.status)
    return Reprocessed.QUEUED


def videos_to_reprocess(public_ids: tuple[str, ...] | None) -> list[Video]:
    """The named videos (all of them for None), oldest first."""
    query = select(Video).order_by(Video.id)
    if public_ids is not None:
        query = query.where(Video.public_id.in_(public_ids))
    return list(db.session.scalars(query))
