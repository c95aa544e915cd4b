"""The Celery tasks, and enqueuing them (always by reference, never by name).

A task is a thin shell around a pipeline stage: it is acknowledged only after it
ran (``acks_late``), retried with exponential backoff when the database, the
storage or the broker is briefly unavailable, and bounded by the configured time
limit. Running a task twice is harmless: the lease drops a duplicate, and a stage
skips whatever its video already has.
"""

from __future__ import annotations

import logging
import random

from celery import Task, shared_task
from redis.exceptions import RedisError
from sqlalchemy import update
from sqlalchemy.exc import OperationalError

from vidstream.extensions import db
from vidstream.jobs import pipeline
from vidstream.jobs.context import Outcome
from vidstream.jobs.lease import ensure_job_row
from vidstream.models import VideoJob, VideoStatus
from vidstream.models.base import utcnow
from vidstream.storage import StorageError

log = logging.getLogger(__name__)

MAX_RETRIES = 6
TRANSIENT = (OperationalError, StorageError, RedisError, ConnectionError)


def retry_delay(retries: int) -> float:
    """Seconds before retry number ``retries + 1``: 5, 10, 20 ... up to 10 minutes, jittered."""
    return float(min(600, 5 * 2**retries)) * random.uniform(0.8, 1.2)


def _run(task: Task, stage: pipeline.Stage, video_id: int) -> Outcome:  # type: ignore[type-arg]
    try:
        return pipeline.run_stage(video_id, stage)
    except TRANSIENT as error:
        db.session.rollback()
        log.warning("video %d: %s; retrying", video_id, error)
        raise task.retry(exc=error, countdown=retry_delay(task.request.retries)) from error


@shared_task(bind=True, name="vidstream.prepare_video", max_retries=MAX_RETRIES)
def prepare_video(self: Task, video_id: int) -> None:  # type: ignore[type-arg]
    """Make an upload playable at once, then queue the rest of its processing."""
    if _run(self, pipeline.prepare, video_id) is Outcome.PLAYABLE:
        enqueue_processing(video_id, VideoStatus.READY_ORIGINAL)


@shared_task(bind=True, name="vidstream.render_video", max_retries=MAX_RETRIES)
def render_video(self: Task, video_id: int) -> None:  # type: ignore[type-arg]
    """Make the poster, the storyboard and the HLS renditions."""
    _run(self, pipeline.render, video_id)


def enqueue_processing(video_id: int, status: VideoStatus) -> bool:
    """Queue the next stage for a video in ``status``; False (logged) if the broker failed.

    Call it after the video's row is committed. A message that could not be sent is
    not lost work: the worker's sweep finds the video by its state and queues it.
    """
    task = prepare_video if status is VideoStatus.VALIDATING else render_video
    try:
        ensure_job_row(video_id)
        task.apply_async((video_id,))
    except Exception as error:  # any broker failure: the sweep recovers
        log.warning("could not queue video %d (%s); the sweep will", video_id, error)
        db.session.rollback()
        return False
    db.session.execute(
        update(VideoJob).where(VideoJob.video_id == video_id).values(enqueued_at=utcnow())
    )
    db.session.commit()
    return True
