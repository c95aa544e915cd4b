"""What every pipeline step works with: the job, its outcome, and media failures."""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from vidstream.config import Settings
from vidstream.jobs.lease import Lease
from vidstream.jobs.records import VideoFacts
from vidstream.jobs.workspace import local_copy
from vidstream.models import ProcessingStep
from vidstream.storage import Storage

# Where each step's share of the overall progress starts, and how large it is.
PROGRESS = {
    ProcessingStep.FASTSTART: (0.0, 0.05),
    ProcessingStep.POSTER: (0.05, 0.02),
    ProcessingStep.RENDITIONS: (0.07, 0.85),
    ProcessingStep.STORYBOARD: (0.92, 0.08),
}
# A video whose playable MP4 is made from its upload: converting comes first and takes
# a large share (it may be a whole transcode).
CONVERTING_PROGRESS = {
    ProcessingStep.CONVERT: (0.0, 0.3),
    ProcessingStep.POSTER: (0.3, 0.02),
    ProcessingStep.RENDITIONS: (0.32, 0.6),
    ProcessingStep.STORYBOARD: (0.92, 0.08),
}


class Outcome(enum.Enum):
    """How a job run ended."""

    PLAYABLE = "playable"  # prepared: rendering comes next
    READY = "ready"
    FAILED = "failed"
    SKIPPED = "skipped"  # nothing to do, or another worker has it
    INTERRUPTED = "interrupted"  # stopped by a shutdown; the sweep hands it out again


class MediaFailure(Exception):
    """The video itself cannot be processed; the message is shown to its owner."""

    def __init__(self, reason: str, detail: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


@dataclass
class Job:
    """One run of a stage for one video: its lease, facts, folder and deadline."""

    lease: Lease
    facts: VideoFacts
    settings: Settings
    storage: Storage
    folder: Path
    deadline: float

    def timeout(self) -> float:
        """Seconds left before the job's time limit."""
        return max(1.0, self.deadline - time.monotonic())

    def share(self, step: ProcessingStep) -> tuple[float, float]:
        """Where ``step``'s part of the overall progress starts, and how large it is."""
        table = CONVERTING_PROGRESS if self.facts.source_key else PROGRESS
        return table[step]

    def begin(self, step: ProcessingStep) -> None:
        """Record that ``step`` has started (its share of the progress starts now)."""
        self.lease.report(step, self.share(step)[0], force=True)

    def finish(self, step: ProcessingStep) -> None:
        """Record that ``step`` is done; raises if the video was deleted meanwhile."""
        start, share = self.share(step)
        self.lease.report(step, start + share, force=True)

    def progress(self, step: ProcessingStep) -> Callable[[float], None]:
        """A callback that records ``step``'s fraction done as overall progress."""
        start, share = self.share(step)
        return lambda fraction: self.lease.report(step, start + share * fraction)

    def source(self) -> Path:
        """The job's own copy of the playable MP4 (see :func:`local_copy`); call it once."""
        return local_copy(self.storage, self.facts.original_key, self.folder)

    def upload(self) -> Path:
        """The job's own copy of the upload kept as it came; only for videos that have one."""
        assert self.facts.source_key is not None
        return local_copy(self.storage, self.facts.source_key, self.folder, name="upload")
