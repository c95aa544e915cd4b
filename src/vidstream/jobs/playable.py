"""The convert step: the playable MP4 made from an upload kept as it came.

The upload stays untouched under its own key; the MP4 (media/convert.py: a remux when
the codecs allow it, a transcode otherwise) is checked before it is stored as the
video's ``original.mp4``, the file every player and every later step reads. The
video is playable from the moment it is stored.
"""

from __future__ import annotations

import logging
from pathlib import Path

from vidstream.jobs import records
from vidstream.jobs.captions import extract_captions
from vidstream.jobs.context import Job, MediaFailure, Outcome
from vidstream.media.containers import CONTAINERS, MP4_DEMUXER
from vidstream.media.convert import convert_to_mp4
from vidstream.media.faststart import moov_at_front
from vidstream.media.probe import VideoProbe, probe_video
from vidstream.models import ProcessingStep

log = logging.getLogger(__name__)

PLAYABLE = "playable.mp4"


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def check_converted(source: VideoProbe, target: Path) -> VideoProbe:
    """The made MP4's probe; a failure when it is not H.264/AAC with its index in front, or
    much shorter than the upload says it is (data cut off in a file without an index)."""
    made = probe_video(target, MP4_DEMUXER)
    if not (made.is_playable_mp4 and moov_at_front(target)):
        raise MediaFailure(
            "This video could not be converted for playback.",
            f"made {made.video_codec}/{made.audio_codec} {made.pixel_format}",
        )
    expected, got = source.duration_seconds, made.duration_seconds or 0.0
    if expected and got < expected * 0.9 - 0.5:
        raise MediaFailure(
            f"This video file is damaged: only the first {_clock(got)} of "
            f"{_clock(expected)} could be read."
        )
    return made


def make_playable(job: Job) -> Outcome:
    """Probe the kept upload, convert it, check the MP4, store it: ``ready_original``."""
    container = CONTAINERS.get(job.facts.source_format or "")
    if container is None:
        raise MediaFailure("This video's original file is of an unknown kind.")
    upload = job.upload()
    probe = probe_video(upload, container.demuxer)
    job.begin(ProcessingStep.CONVERT)
    target = job.folder / PLAYABLE
    how = convert_to_mp4(
        upload,
        target,
        probe,
        container.demuxer,
        preset=job.settings.x264_preset,
        on_progress=job.progress(ProcessingStep.CONVERT),
        timeout=job.timeout(),
    )
    made = check_converted(probe, target)
    job.finish(ProcessingStep.CONVERT)
    size = job.storage.put_file(job.facts.original_key, target)
    records.mark_converted(job.facts, probe, made, size)
    extract_captions(job, upload, container.demuxer)
    log.info("video %s is playable (%s %s to MP4)", job.facts.public_id, how, container.label)
    return Outcome.PLAYABLE
