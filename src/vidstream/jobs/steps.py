"""The render steps: poster, storyboard and HLS ladder, each published only when whole."""

from __future__ import annotations

import logging
import math
import shutil
from dataclasses import replace
from pathlib import Path

from vidstream.jobs import records
from vidstream.jobs.context import Job, MediaFailure
from vidstream.jobs.progressive import LadderPublisher
from vidstream.jobs.workspace import publish
from vidstream.media.copy_rung import copyable_top, read_source_video
from vidstream.media.encoders import SOFTWARE, choose_encoder
from vidstream.media.ffmpeg import FFmpegError, FFmpegInterrupted
from vidstream.media.hls import PLAYLIST, EncodeOptions, encode_renditions, read_media_playlist
from vidstream.media.ladder import Rendition, plan_ladder
from vidstream.media.poster import write_poster
from vidstream.media.probe import VideoProbe
from vidstream.media.storyboard import plan_storyboard, write_storyboard
from vidstream.models import ProcessingStep
from vidstream.models.video import image_key

log = logging.getLogger(__name__)

POSTER = "poster.jpg"
THUMBNAIL = "thumb.jpg"
STORYBOARD_IMAGE = "storyboard.jpg"
STORYBOARD_INDEX = "storyboard.vtt"


def make_poster(job: Job, source: Path, probe: VideoProbe) -> None:
    """Pick a representative frame; publish it as the poster and the library thumbnail."""
    job.begin(ProcessingStep.POSTER)
    poster, thumbnail = job.folder / POSTER, job.folder / THUMBNAIL
    try:
        write_poster(
            source, poster, thumbnail, duration=probe.duration_seconds, timeout=job.timeout()
        )
    except ValueError as error:
        raise MediaFailure("No picture could be decoded from this video.", str(error)) from None
    pid = job.facts.public_id
    publish(job.storage, [(poster, image_key(pid, POSTER)), (thumbnail, image_key(pid, THUMBNAIL))])
    job.finish(ProcessingStep.POSTER)
    records.record_assets(job.facts, poster_ready=True)


def make_storyboard(job: Job, source: Path, probe: VideoProbe) -> None:
    """Publish the sprite sheet of seek-bar previews and its WebVTT index."""
    job.begin(ProcessingStep.STORYBOARD)
    duration = probe.duration_seconds or 1.0
    plan = plan_storyboard(duration, *probe.display_size)
    image, index = job.folder / STORYBOARD_IMAGE, job.folder / STORYBOARD_INDEX
    try:
        write_storyboard(
            source,
            image,
            index,
            plan,
            duration=duration,
            on_progress=job.progress(ProcessingStep.STORYBOARD),
            timeout=job.timeout(),
        )
    except ValueError as error:
        raise MediaFailure("No picture could be decoded from this video.", str(error)) from None
    pid = job.facts.public_id
    publish(
        job.storage,
        [(image, image_key(pid, STORYBOARD_IMAGE)), (index, image_key(pid, STORYBOARD_INDEX))],
    )
    job.finish(ProcessingStep.STORYBOARD)
    records.record_assets(job.facts, storyboard_ready=True)


def _encode(
    job: Job, source: Path, out: Path, ladder: list[Rendition], opts: EncodeOptions,
    publisher: LadderPublisher,
) -> None:  # fmt: skip
    report = job.progress(ProcessingStep.RENDITIONS)

    def progress(fraction: float) -> None:
        report(fraction)
        publisher.poll()

    encode_renditions(
        source,
        out,
        ladder,
        opts,
        duration=job.facts.duration,
        on_progress=progress,
        timeout=job.timeout(),
    )


def _encode_with_fallback(
    job: Job, source: Path, out: Path, ladder: list[Rendition], opts: EncodeOptions,
    publisher: LadderPublisher,
) -> None:  # fmt: skip
    """Encode with the chosen encoder; if a hardware one fails, once more with libx264."""
    try:
        _encode(job, source, out, ladder, opts, publisher)
    except FFmpegInterrupted:
        raise
    except FFmpegError as error:
        if opts.encoder == SOFTWARE:
            raise
        log.warning("%s failed (%s); encoding with %s", opts.encoder, error.detail, SOFTWARE)
        shutil.rmtree(out, ignore_errors=True)
        publisher.restart()
        fallback = replace(opts, encoder=SOFTWARE)
        _encode(job, source, out, ladder, fallback, publisher)


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def check_complete(out: Path, names: list[str], expected: float | None) -> None:
    """Fail when the output is much shorter than the source says it is (a cut-off file)."""
    for name in names:
        got = read_media_playlist(out / name / PLAYLIST).duration
        if got <= 0 or (expected and got < expected * 0.9 - 0.5):
            raise MediaFailure(
                f"This video file is damaged: only the first {_clock(got)} of "
                f"{_clock(expected or 0)} could be read."
            )


def plan_rungs(source: Path, probe: VideoProbe) -> tuple[list[Rendition], tuple[float, ...]]:
    """The ladder, its top rung copied from the source when it can be (with its keyframes)."""
    ladder = plan_ladder(*probe.display_size, probe.frame_rate)
    if probe.video_codec != "h264":
        return ladder, ()
    video = read_source_video(source)
    if not copyable_top(probe, video, ladder[-1]):
        return ladder, ()
    top = replace(ladder[-1], copy=True, video_kbps=math.ceil(video.bit_rate / 1000))
    return [*ladder[:-1], top], video.keyframes


def make_renditions(job: Job, source: Path, probe: VideoProbe) -> list[str]:
    """Encode the ladder, publishing it as it grows (see :mod:`.progressive`), then finish it."""
    job.begin(ProcessingStep.RENDITIONS)
    ladder, keyframes = plan_rungs(source, probe)
    has_audio = probe.audio_codec is not None
    out = job.folder / "hls"
    publisher = LadderPublisher(job, out, ladder, has_audio)
    publisher.restart()
    encoder = choose_encoder(job.settings.video_encoder)
    opts = EncodeOptions(encoder, has_audio, job.settings.x264_preset, keyframes)
    _encode_with_fallback(job, source, out, ladder, opts, publisher)
    check_complete(out, publisher.names, probe.duration_seconds)
    publisher.finish()
    job.finish(ProcessingStep.RENDITIONS)
    log.info("video %s: ladder %s", job.facts.public_id, ", ".join(
        f"{r.name}{' (copied)' if r.copy else ''}" for r in ladder))  # fmt: skip
    return publisher.names
