"""Test videos, generated with ffmpeg (never committed)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from vidstream.media.ffmpeg import ffmpeg_binary


def ffmpeg(*args: str) -> None:
    """Run ffmpeg quietly; fail the test with its message if it fails."""
    result = subprocess.run(
        [ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-y", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"ffmpeg failed: {result.stderr}")


def make_mp4(
    path: Path,
    *,
    seconds: float = 2,
    size: str = "320x240",
    rate: int = 25,
    audio: bool = True,
    faststart: bool = False,
    codec: str = "libx264",
) -> Path:
    """A small test-pattern MP4 with a sine tone."""
    args = ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    args += ["-c:v", codec, "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
    if audio:
        args += ["-c:a", "aac", "-b:a", "64k"]
    if faststart:
        args += ["-movflags", "+faststart"]
    ffmpeg(*args, str(path))
    return path


def make_audio_only_mp4(path: Path) -> Path:
    """An MP4 (m4a-shaped) file with an audio track and no video."""
    ffmpeg("-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", "-f", "mp4", str(path))
    return path


def make_webm(path: Path) -> Path:
    """A WebM file (not MP4), for renamed-file tests."""
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10:duration=1",
        "-c:v", "libvpx-vp9", "-b:v", "100k", "-f", "webm", str(path),
    )  # fmt: skip
    return path
