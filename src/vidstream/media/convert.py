"""The playable MP4 made from an upload that is not one: remux when it can, else transcode.

An upload in another container (MOV, MKV, WebM, AVI, MPEG-TS, ...) or with a codec
not every browser plays (HEVC, VP9, AV1, MPEG-4 Part 2, 10-bit H.264) is kept as it
came, and a faststart H.264/AAC MP4 is made beside it for progressive playback; the
rest of the pipeline reads that MP4. The rule (docs/decisions.md):

* **remux** when the video is already 8-bit 4:2:0 H.264: the video is stream-copied
  (not one frame re-encoded: quick and lossless), the sound copied when it is AAC and
  encoded to AAC otherwise;
* **transcode** otherwise: libx264 at constant quality, capped at the bit rate the
  ladder's top rung allows for that many pixels, with a keyframe every segment, so
  the HLS ladder can usually copy it as its top rung instead of encoding that again.

A remux that ffmpeg refuses (timestamps a stream copy cannot carry) is done again as
a transcode. The source is opened with the demuxer the probe found, never guessed.
"""

from __future__ import annotations

import enum
import logging
from pathlib import Path

from vidstream.media.ffmpeg import (
    FFmpegError,
    FFmpegInterrupted,
    ProgressCallback,
    input_args,
    run_ffmpeg,
)
from vidstream.media.ladder import SEGMENT_SECONDS, plan_ladder
from vidstream.media.probe import VideoProbe

log = logging.getLogger(__name__)

AUDIO_KBPS = 160
CRF = "20"


class Conversion(enum.StrEnum):
    """How the playable MP4 was made."""

    REMUX = "remux"
    TRANSCODE = "transcode"


def plan_conversion(probe: VideoProbe) -> Conversion:
    """Remux when the video can be copied into the MP4 as it is; transcode otherwise."""
    return Conversion.REMUX if probe.video_plays_in_mp4 else Conversion.TRANSCODE


def ceiling_kbps(probe: VideoProbe) -> int:
    """The transcode's bit rate ceiling: the top rung's, scaled by the pixels kept."""
    width, height = probe.display_size
    top = plan_ladder(width, height, probe.frame_rate)[-1]
    scale = max(1.0, (width * height) / (top.width * top.height))
    return round(top.video_kbps * scale)


def _video_args(probe: VideoProbe, how: Conversion, preset: str) -> list[str]:
    if how is Conversion.REMUX:
        return ["-c:v", "copy"]
    kbps = ceiling_kbps(probe)
    # Interlaced frames (camcorder MPEG-TS) are deinterlaced; H.264 4:2:0 needs even sides.
    scale = "bwdif=mode=send_frame:deint=interlaced,scale=trunc(iw/2)*2:trunc(ih/2)*2"
    return [
        "-vf", scale, "-c:v", "libx264", "-preset", preset, "-crf", CRF,
        "-profile:v", "high", "-pix_fmt", "yuv420p",
        "-maxrate", f"{kbps}k", "-bufsize", f"{kbps * 2}k",
        "-force_key_frames", f"expr:gte(t,n_forced*{SEGMENT_SECONDS})",
    ]  # fmt: skip


def _audio_args(probe: VideoProbe) -> list[str]:
    if probe.audio_codec is None:
        return []
    if probe.audio_plays_in_mp4:
        return ["-c:a", "copy"]
    return ["-c:a", "aac", "-b:a", f"{AUDIO_KBPS}k", "-ac", "2"]


def conversion_args(
    source: Path, target: Path, probe: VideoProbe, demuxer: str, how: Conversion, preset: str
) -> list[str]:
    """ffmpeg arguments that write ``target``, the faststart H.264/AAC MP4 of ``source``."""
    return [
        "-fflags", "+genpts", *input_args(source, demuxer),
        "-map", "0:v:0", "-map", "0:a:0?", "-sn", "-dn",
        *_video_args(probe, how, preset), *_audio_args(probe),
        "-map_metadata", "0", "-movflags", "+faststart", "-f", "mp4", str(target),
    ]  # fmt: skip


def convert_to_mp4(
    source: Path,
    target: Path,
    probe: VideoProbe,
    demuxer: str,
    *,
    preset: str = "veryfast",
    on_progress: ProgressCallback | None = None,
    timeout: float | None = None,
) -> Conversion:
    """Write ``target`` from ``source`` (opened as ``demuxer``); return how it was made."""
    how = plan_conversion(probe)
    duration = probe.duration_seconds
    if how is Conversion.REMUX:
        try:
            args = conversion_args(source, target, probe, demuxer, how, preset)
            run_ffmpeg(args, duration=duration, on_progress=on_progress, timeout=timeout)
            return how
        except FFmpegInterrupted:
            raise
        except FFmpegError as error:
            log.info("remux failed (%s); transcoding instead", error.detail[-200:])
            target.unlink(missing_ok=True)
            how = Conversion.TRANSCODE
    args = conversion_args(source, target, probe, demuxer, how, preset)
    run_ffmpeg(args, duration=duration, on_progress=on_progress, timeout=timeout)
    return how
