"""The render steps: poster, storyboard and HLS ladder, each published only when whole."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from vidstream.jobs import records
from vidstream.jobs.context import Job, MediaFailure
from vidstream.jobs.workspace import publish, tree_files
from vidstream.media.encoders import SOFTWARE, choose_encoder
from vidstream.media.ffmpeg import FFmpegError, FFmpegInterrupted
from vidstream.media.hls import (
    MASTER,
    PLAYLIST,
    EncodeOptions,
    encode_renditions,
    master_playlist,
    read_media_playlist,
)
from vidstream.media.ladder import Rendition, plan_ladder
from vidstream.media.poster import write_poster
from vidstream.media.probe import VideoProbe
from vidstream.media.storyboard import plan_storyboard, write_storyboard
from vidstream.models import ProcessingStep
from vidstream.models.video import hls_key, image_key

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
    job: Job, source: Path, out: Path, ladder: list[Rendition], opts: EncodeOptions
) -> None:
    encode_renditions(
        source,
        out,
        ladder,
        opts,
        duration=job.facts.duration,
        on_progress=job.progress(ProcessingStep.RENDITIONS),
        timeout=job.timeout(),
    )


def _encode_with_fallback(
    job: Job, source: Path, out: Path, ladder: list[Rendition], opts: EncodeOptions
) -> None:
    """Encode with the chosen encoder; if a hardware one fails, once more with libx264."""
    try:
        _encode(job, source, out, ladder, opts)
    except FFmpegInterrupted:
        raise
    except FFmpegError as error:
        if opts.encoder == SOFTWARE:
            raise
        log.warning("%s failed (%s); encoding with %s", opts.encoder, error.detail, SOFTWARE)
        shutil.rmtree(out, ignore_errors=True)
        fallback = EncodeOptions(SOFTWARE, opts.has_audio, opts.preset)
        _encode(job, source, out, ladder, fallback)


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def check_complete(out: Path, ladder: list[Rendition], expected: float | None) -> None:
    """Fail when the output is much shorter than the source says it is (a cut-off file)."""
    for rendition in ladder:
        got = read_media_playlist(out / rendition.name / PLAYLIST).duration
        if got <= 0 or (expected and got < expected * 0.9 - 0.5):
            raise MediaFailure(
                f"This video file is damaged: only the first {_clock(got)} of "
                f"{_clock(expected or 0)} could be read."
            )


def make_renditions(job: Job, source: Path, probe: VideoProbe) -> list[str]:
    """Encode the ladder, write the master playlist, publish it all (master last)."""
    job.begin(ProcessingStep.RENDITIONS)
    pid = job.facts.public_id
    job.storage.delete_prefix(hls_key(pid) + "/")
    ladder = plan_ladder(*probe.display_size, probe.frame_rate)
    has_audio = probe.audio_codec is not None
    encoder = choose_encoder(job.settings.video_encoder)
    out = job.folder / "hls"
    opts = EncodeOptions(encoder, has_audio, job.settings.x264_preset)
    _encode_with_fallback(job, source, out, ladder, opts)
    check_complete(out, ladder, probe.duration_seconds)
    (out / MASTER).write_text(master_playlist(out, ladder, has_audio))
    files = [path for path in tree_files(out) if path.name != MASTER] + [out / MASTER]
    publish(job.storage, [(p, hls_key(pid, *p.relative_to(out).parts)) for p in files])
    job.finish(ProcessingStep.RENDITIONS)
    return [rendition.name for rendition in ladder]
