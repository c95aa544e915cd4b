"""One worker at a time per video: a lease in the video's job row.

A worker claims the lease with a compare-and-set on its token, extends it each time
it reports progress, and releases it when it stops. A lease whose time ran out, or
whose owner is a process on this host that no longer exists (a worker killed with
``kill -9``), may be claimed by anyone; a live one may not, so a duplicate message
for a video that is being processed is simply dropped.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.exc import IntegrityError

from vidstream.extensions import db
from vidstream.models import ProcessingStep, Video, VideoJob
from vidstream.models.base import utcnow

REPORT_EVERY_SECONDS = 1.0


class LeaseLost(RuntimeError):
    """Another worker took over the video (this one stalled past its lease)."""


class VideoGone(RuntimeError):
    """The video was deleted while it was being processed."""


def worker_identity() -> str:
    """``host:pid`` of this process, so a dead local owner can be recognised."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _process_runs(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A killed process nobody has reaped yet (a zombie) still answers signal 0.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def owner_is_dead(owner: str | None) -> bool:
    """Whether ``owner`` names a process on this host that no longer runs."""
    host, _, pid = (owner or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    return not _process_runs(int(pid))


def lease_is_free(token: str | None, expires: datetime | None, owner: str | None) -> bool:
    """Whether a lease with these values may be claimed now."""
    return token is None or expires is None or expires <= utcnow() or owner_is_dead(owner)


def ensure_job_row(video_id: int) -> bool:
    """Create the video's job row if it has none; False when the video does not exist."""
    if db.session.get(VideoJob, video_id) is not None:
        return True
    if db.session.get(Video, video_id) is None:
        return False
    db.session.add(VideoJob(video_id=video_id))
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
    return True


def _token_is(token: str | None) -> ColumnElement[bool]:
    return VideoJob.lease_token.is_(None) if token is None else VideoJob.lease_token == token


@dataclass
class Lease:
    """A claimed lease; report progress through it, release it when done."""

    video_id: int
    token: str
    ttl: int
    attempts: int
    step: str | None = None  # the last step reported, for the log
    _last_report: float = field(default=0.0, repr=False)

    def report(self, step: ProcessingStep, progress: float, *, force: bool = False) -> None:
        """Record the step and overall progress (0-1) and extend the lease.

        Writes at most once a second unless ``force``. Raises :class:`VideoGone` or
        :class:`LeaseLost` when the work should stop.
        """
        now = time.monotonic()
        if not force and now - self._last_report < REPORT_EVERY_SECONDS:
            return
        self._last_report, self.step = now, step.value
        result = db.session.execute(
            update(VideoJob)
            .where(VideoJob.video_id == self.video_id, VideoJob.lease_token == self.token)
            .values(
                step=step.value,
                progress=round(min(1.0, max(0.0, progress)), 4),
                lease_expires_at=utcnow() + timedelta(seconds=self.ttl),
            )
        )
        db.session.commit()
        if result.rowcount == 0:  # type: ignore[attr-defined]
            if db.session.get(Video, self.video_id) is None:
                raise VideoGone(f"video {self.video_id} was deleted")
            raise LeaseLost(f"video {self.video_id} is being processed by another worker")

    def release(self) -> None:
        """Give the lease up (a no-op if it was lost or the video deleted)."""
        db.session.rollback()
        db.session.execute(
            update(VideoJob)
            .where(VideoJob.video_id == self.video_id, VideoJob.lease_token == self.token)
            .values(lease_owner=None, lease_token=None, lease_expires_at=None)
        )
        db.session.commit()


def claim(video_id: int, ttl: int) -> Lease | None:
    """Take the video's lease, or None if the video is gone or another worker holds it."""
    if not ensure_job_row(video_id):
        return None
    row = db.session.execute(
        select(
            VideoJob.lease_token, VideoJob.lease_expires_at, VideoJob.lease_owner, VideoJob.attempts
        ).where(VideoJob.video_id == video_id)
    ).one()
    db.session.commit()
    if not lease_is_free(row.lease_token, row.lease_expires_at, row.lease_owner):
        return None
    token = secrets.token_hex(16)
    result = db.session.execute(
        update(VideoJob)
        .where(VideoJob.video_id == video_id, _token_is(row.lease_token))
        .values(
            lease_owner=worker_identity(),
            lease_token=token,
            lease_expires_at=utcnow() + timedelta(seconds=ttl),
            attempts=VideoJob.attempts + 1,
        )
    )
    db.session.commit()
    if result.rowcount == 0:  # type: ignore[attr-defined]
        return None
    return Lease(video_id, token, ttl, row.attempts + 1)
