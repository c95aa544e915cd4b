"""The processing pipeline: what a worker does for one video, step by step.

``prepare`` makes an upload playable (probe, then the faststart remux if needed, or,
for an upload kept as it came, the playable MP4 made from it: media/convert.py);
``render`` makes the poster, the HLS ladder (published as it grows) and the
storyboard. Each runs under the video's lease, records progress in its job row, and
can be repeated safely: a step whose files are already published is skipped, and a
half-done step starts over.
Media problems end in ``failed`` with a reason; infrastructure problems propagate
for the task to retry later.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import av
from celery.exceptions import SoftTimeLimitExceeded

from vidstream import current
from vidstream.config import Settings
from vidstream.jobs import records, steps
from vidstream.jobs.captions import extract_captions
from vidstream.jobs.context import Job, MediaFailure, Outcome
from vidstream.jobs.lease import Lease, LeaseLost, VideoGone, claim
from vidstream.jobs.playable import make_playable
from vidstream.jobs.records import VideoFacts
from vidstream.jobs.workspace import scratch_folder
from vidstream.media import chapters
from vidstream.media.containers import MP4_DEMUXER
from vidstream.media.faststart import moov_at_front, remux_faststart
from vidstream.media.ffmpeg import FFmpegError, FFmpegInterrupted, FFmpegKilled
from vidstream.media.probe import NotVideoError, UnplayableVideoError, VideoProbe, probe_video
from vidstream.models import ProcessingStep, VideoStatus

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8


Stage = Callable[[Job], Outcome]


def run_stage(video_id: int, stage: Stage) -> Outcome:
    """Run ``stage`` for the video under its lease, turning media errors into ``failed``."""
    settings = current.settings()
    lease = claim(video_id, settings.job_lease_seconds)
    if lease is None:
        return Outcome.SKIPPED
    facts = records.load_facts(video_id)
    if facts is None:
        return Outcome.SKIPPED
    try:
        if lease.attempts > MAX_ATTEMPTS:
            records.mark_failed(facts, f"Processing stopped after {MAX_ATTEMPTS} failed attempts.")
            return Outcome.FAILED
        return _run_guarded(lease, facts, settings, stage)
    except LeaseLost:
        log.warning("video %s: another worker took it over", facts.public_id)
        return Outcome.SKIPPED
    except VideoGone:
        return _stopped_for_delete(facts, lease)
    except Exception:
        # A file the delete removed fails whatever step reads it; that is no error.
        if records.video_exists(video_id):
            raise
        return _stopped_for_delete(facts, lease)
    finally:
        lease.release()


def _stopped_for_delete(facts: VideoFacts, lease: Lease) -> Outcome:
    """The video was deleted while this job ran: remove what the job stored since, say so once."""
    records.remove_all_files(facts.public_id)
    log.info(
        "video %s was deleted during processing; stopped at %s, scratch files removed",
        facts.public_id,
        lease.step or "the start",
    )
    return Outcome.SKIPPED


def _run_guarded(lease: Lease, facts: VideoFacts, settings: Settings, stage: Stage) -> Outcome:
    storage = current.storage()
    deadline = time.monotonic() + settings.job_time_limit_seconds
    try:
        with scratch_folder(settings.work_dir, facts.public_id) as folder:
            return stage(Job(lease, facts, settings, storage, folder, deadline))
    except FFmpegInterrupted:
        log.info("video %s: interrupted; it will be picked up again", facts.public_id)
        return Outcome.INTERRUPTED
    except SoftTimeLimitExceeded:
        minutes = settings.job_time_limit_seconds // 60
        failure = MediaFailure(f"Processing took longer than the {minutes}-minute limit.")
    except MediaFailure as error:
        failure = error
    except FFmpegError as error:
        failure = MediaFailure(_ffmpeg_reason(error), error.detail)
    except (NotVideoError, UnplayableVideoError) as error:
        failure = MediaFailure(str(error))
    except av.FFmpegError as error:
        failure = MediaFailure("This video could not be read: the file is damaged.", str(error))
    if not records.video_exists(facts.id):
        raise VideoGone(f"video {facts.id} was deleted")
    log.warning("video %s failed: %s %s", facts.public_id, failure.reason, failure.detail or "")
    records.mark_failed(facts, failure.reason, failure.detail)
    return Outcome.FAILED


def _ffmpeg_reason(error: FFmpegError) -> str:
    if isinstance(error, FFmpegKilled):
        return "Converting this video needs more memory than the server allows."
    if "did not finish" in str(error):
        return "Converting this video took longer than the time limit allows."
    return (
        "This video could not be converted: its data is damaged or uses a format "
        "that cannot be decoded."
    )


def prepare(job: Job) -> Outcome:
    """Validate the original and move its index to the front when it is not there."""
    if job.facts.status is not VideoStatus.VALIDATING:
        return Outcome.SKIPPED
    if job.facts.source_key is not None:
        return make_playable(job)
    source = job.source()
    probe = probe_video(source, MP4_DEMUXER)
    size, rewritten = job.storage.size(job.facts.original_key), False
    if not moov_at_front(source):
        job.begin(ProcessingStep.FASTSTART)
        target = job.folder / "faststart.mp4"
        remux_faststart(
            source,
            target,
            duration=probe.duration_seconds,
            on_progress=job.progress(ProcessingStep.FASTSTART),
            timeout=job.timeout(),
        )
        job.finish(ProcessingStep.FASTSTART)
        size, rewritten = job.storage.put_file(job.facts.original_key, target), True
    records.mark_playable(job.facts, probe, size, rewritten=rewritten)
    log.info("video %s is playable (remuxed: %s)", job.facts.public_id, rewritten)
    return Outcome.PLAYABLE


def render(job: Job) -> Outcome:
    """Make the poster, storyboard and HLS ladder that are not published yet."""
    if job.facts.status not in (VideoStatus.READY_ORIGINAL, VideoStatus.PROCESSING):
        return Outcome.SKIPPED
    records.start_rendering(job.facts)
    source = job.source()
    probe: VideoProbe = probe_video(source, MP4_DEMUXER)
    records.record_assets(job.facts, chapters=chapters.stored(chapters.file_chapters(source)))
    if not job.facts.poster_ready:
        steps.make_poster(job, source, probe)
    if job.facts.source_key is None:  # a kept upload's tracks were read when converted
        extract_captions(job, source)
    # The ladder before the storyboard: adaptive playback matters more than seek
    # previews, and the ladder is published while it grows. A ladder that was being
    # published when a run stopped is made again (the video is not ``ready`` yet).
    names = steps.make_renditions(job, source, probe)
    if not job.facts.storyboard_ready:
        steps.make_storyboard(job, source, probe)
    records.mark_ready(job.facts, names)
    log.info("video %s is ready (%s)", job.facts.public_id, ", ".join(names))
    return Outcome.READY
