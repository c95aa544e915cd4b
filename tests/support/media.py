"""Test videos, generated with ffmpeg (never committed)."""

from __future__ import annotations

import os
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


def make_large_mp4(path: Path, total_bytes: int) -> Path:
    """A valid, playable MP4 of about ``total_bytes``: a short clip plus a top-level ``free`` box.

    ISO-BMFF lets a file carry ``free`` boxes that players skip, so the file probes
    and plays like the clip while being as large as a long video, at a fraction of
    the encoding time. Every MiB of padding differs (a counter leads each one), so a
    misplaced or repeated chunk changes the file's hash.
    """
    clip = make_mp4(path.with_suffix(".clip.mp4"), seconds=2, faststart=True)
    head = clip.read_bytes()
    clip.unlink()
    padding = max(0, total_bytes - len(head) - 8)
    if padding + 8 >= 2**32:
        raise ValueError("a 32-bit free box holds less than 4 GiB")
    block = os.urandom(1024 * 1024 - 8)
    with open(path, "wb") as out:
        out.write(head)
        out.write((padding + 8).to_bytes(4, "big") + b"free")
        written = index = 0
        while written < padding:
            piece = (index.to_bytes(8, "big") + block)[: padding - written]
            out.write(piece)
            written += len(piece)
            index += 1
    return path
