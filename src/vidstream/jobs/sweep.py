"""Finding videos stuck before ``ready`` and queueing them again.

The database row is the truth about a video; a queue message is only a hint. A
message can be lost (a broker outage at upload time, a worker killed with
``kill -9`` after taking it), so each worker sweeps when it starts and then every
little while: a video in a processing state whose lease has expired (or whose owner
died), or that nobody claimed for a long time, is queued again. The same rounds prune
the embedded queue's delivered messages and the scratch folders of jobs that died,
roll up the analytics of closed days (vidstream.analytics.rollup) and prune the
audit log past its retention (vidstream.web.audit).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from vidstream import current
from vidstream.analytics.rollup import roll_up_due
from vidstream.config import Settings
from vidstream.extensions import db
from vidstream.jobs.lease import lease_is_free
from vidstream.jobs.queue_prune import prune_delivered_messages
from vidstream.jobs.tasks import enqueue_processing
from vidstream.jobs.workspace import sweep_scratch
from vidstream.models import Video, VideoJob, VideoStatus
from vidstream.models.base import utcnow
from vidstream.web.audit import prune_audit

log = logging.getLogger(__name__)

STUCK = (VideoStatus.VALIDATING, VideoStatus.READY_ORIGINAL, VideoStatus.PROCESSING)
# A queued message nobody has claimed after this long is assumed lost. At start-up a
# worker is less patient: messages from before a restart may never have been sent.
UNCLAIMED_AFTER = timedelta(minutes=10)
UNCLAIMED_AT_START = timedelta(minutes=1)


def _due(row: Any, unclaimed_before: datetime) -> bool:
    """A held lease is due once free; an unclaimed video once its message seems lost."""
    if row.lease_token is not None:
        return lease_is_free(row.lease_token, row.lease_expires_at, row.lease_owner)
    return row.enqueued_at is None or row.enqueued_at <= unclaimed_before


def stuck_videos(unclaimed_after: timedelta = UNCLAIMED_AFTER) -> list[tuple[int, VideoStatus]]:
    """(id, status) of every video that should be queued again now."""
    unclaimed_before = utcnow() - unclaimed_after
    rows = db.session.execute(
        select(
            Video.id,
            Video.status,
            VideoJob.lease_token,
            VideoJob.lease_owner,
            VideoJob.lease_expires_at,
            VideoJob.enqueued_at,
        )
        .outerjoin(VideoJob, VideoJob.video_id == Video.id)
        .where(Video.status.in_(STUCK))
        .order_by(Video.id)
    ).all()
    db.session.commit()
    return [(row.id, row.status) for row in rows if _due(row, unclaimed_before)]


def sweep_stuck_videos(unclaimed_after: timedelta = UNCLAIMED_AFTER) -> int:
    """Queue every stuck video again; return how many were queued."""
    queued = 0
    for video_id, status in stuck_videos(unclaimed_after):
        queued += enqueue_processing(video_id, status)
    if queued:
        log.info("sweep: queued %d video(s) stuck before ready", queued)
    return queued


class Sweeper(threading.Thread):
    """Sweeps at once, then every ``interval`` seconds, until stopped."""

    def __init__(self, app: Flask, interval: float) -> None:
        super().__init__(name="vidstream-sweeper", daemon=True)
        self.app = app
        self.interval = interval
        self._stopped = threading.Event()

    def run(self) -> None:
        """Sweep until stopped; a failed sweep is logged and tried again next time."""
        unclaimed_after = UNCLAIMED_AT_START
        while not self._stopped.is_set():
            try:
                with self.app.app_context():
                    sweep_stuck_videos(unclaimed_after)
                    roll_up_due()
                    prune_audit()
                self._tidy(current.settings(self.app))
            except Exception:  # the database may be down; the next round tries again
                log.exception("sweep failed")
            unclaimed_after = UNCLAIMED_AFTER
            self._stopped.wait(self.interval)

    @staticmethod
    def _tidy(settings: Settings) -> None:
        """Delete what dead jobs left: delivered queue messages, scratch folders."""
        prune_delivered_messages(settings.broker_url)
        # Celery kills a job a minute after its time limit (celery_app.py); allow two.
        removed = sweep_scratch(settings.work_dir, settings.job_time_limit_seconds + 120)
        if removed:
            log.info("sweep: removed %d scratch folder(s) of dead jobs", removed)

    def stop(self) -> None:
        """Ask the thread to finish after its current sweep."""
        self._stopped.set()
