"""Tiny videos in the containers and codecs devices make, generated with ffmpeg.

Each is 1 s of 160x90 test pattern with a tone (never committed). An encoder this
ffmpeg lacks makes :func:`make_format` skip the test, naming the encoder (under
``CI=true`` it fails instead, as every missing tool does).
"""

from __future__ import annotations

import functools
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.media import ffmpeg
from vidstream.media.ffmpeg import ffmpeg_binary

PATTERN = ["-f", "lavfi", "-i", "testsrc2=size=160x90:rate=15:duration=1"]
TONE = ["-f", "lavfi", "-i", "sine=frequency=440:duration=1"]
X264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]


@dataclass(frozen=True)
class Format:
    """One input format: how ffmpeg makes it, and what vidstream should make of it."""

    extension: str
    content_type: str
    video_codec: str
    audio_codec: str
    encoders: tuple[str, ...]
    args: tuple[str, ...]
    remux: bool  # the playable MP4 copies the video rather than encoding it


FORMATS = {
    "mov_h264": Format("mov", "video/quicktime", "h264", "aac", ("libx264",),
                       (*X264, "-c:a", "aac", "-f", "mov"), remux=True),
    "mkv_h264": Format("mkv", "video/x-matroska", "h264", "opus", ("libx264", "libopus"),
                       (*X264, "-c:a", "libopus", "-f", "matroska"), remux=True),
    "webm_vp9": Format("webm", "video/webm", "vp9", "opus", ("libvpx-vp9", "libopus"),
                       ("-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8",
                        "-b:v", "200k", "-c:a", "libopus", "-f", "webm"), remux=False),
    "avi_mpeg4": Format("avi", "video/x-msvideo", "mpeg4", "mp3", ("mpeg4", "libmp3lame"),
                        ("-c:v", "mpeg4", "-c:a", "libmp3lame", "-f", "avi"), remux=False),
    "ts_h264": Format("ts", "video/mp2t", "h264", "aac", ("libx264",),
                      (*X264, "-c:a", "aac", "-f", "mpegts"), remux=True),
    "mp4_hevc": Format("mp4", "video/mp4", "hevc", "aac", ("libx265",),
                       ("-c:v", "libx265", "-preset", "ultrafast", "-x265-params",
                        "log-level=error", "-tag:v", "hvc1", "-pix_fmt", "yuv420p",
                        "-c:a", "aac", "-f", "mp4"), remux=False),
    "mp4_av1": Format("mp4", "video/mp4", "av1", "aac", ("libsvtav1",),
                      ("-c:v", "libsvtav1", "-preset", "12", "-pix_fmt", "yuv420p",
                       "-c:a", "aac", "-f", "mp4"), remux=False),
}  # fmt: skip


@functools.cache
def available_encoders() -> frozenset[str]:
    """Every encoder (video and audio) this ffmpeg was built with."""
    listing = subprocess.run(
        [ffmpeg_binary(), "-hide_banner", "-encoders"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    ).stdout
    lines = listing.split("------", 1)[-1].splitlines()
    return frozenset(line.split()[1] for line in lines if len(line.split()) > 1)


def make_format(name: str, path: Path) -> Path:
    """The test video of the format ``name`` at ``path``; skips when an encoder is missing."""
    fmt = FORMATS[name]
    missing = [e for e in fmt.encoders if e not in available_encoders()]
    if missing:
        message = f"this ffmpeg ({ffmpeg_binary()}) has no {', '.join(missing)} encoder"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true: {message}")
        pytest.skip(message)
    ffmpeg(*PATTERN, *TONE, *fmt.args, str(path))
    return path
