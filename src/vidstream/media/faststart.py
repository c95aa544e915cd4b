"""Instant playback: the ``moov`` index in front of the media data.

A browser can start an MP4 only once it has read the ``moov`` box. When a file has
it at the end, a player must first seek there, and some wait for the whole file. A
stream-copy remux moves it to the front without touching a single encoded frame.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from vidstream.media.ffmpeg import (
    FFmpegError,
    FFmpegInterrupted,
    ProgressCallback,
    input_args,
    run_ffmpeg,
)

_HEADER = 8


def top_level_boxes(path: Path) -> Iterator[tuple[bytes, int, int]]:
    """Yield ``(type, offset, size)`` of each top-level ISO-BMFF box, stopping at damage."""
    end = path.stat().st_size
    with open(path, "rb") as fh:
        offset = 0
        while offset + _HEADER <= end:
            fh.seek(offset)
            head = fh.read(_HEADER)
            size, kind = int.from_bytes(head[:4], "big"), head[4:8]
            if size == 1:
                size = int.from_bytes(fh.read(8), "big")
            elif size == 0:
                size = end - offset
            if size < _HEADER:
                return
            yield kind, offset, size
            offset += size


def moov_at_front(path: Path) -> bool:
    """Whether the ``moov`` box comes before the first ``mdat`` (or ``moof``) box."""
    for kind, _offset, _size in top_level_boxes(path):
        if kind == b"moov":
            return True
        if kind in (b"mdat", b"moof"):
            return False
    return False


def faststart_args(source: Path, target: Path, *, every_stream: bool = True) -> list[str]:
    """ffmpeg arguments that copy ``source`` to ``target`` with the index moved to the front."""
    streams = ["-map", "0"] if every_stream else ["-map", "0:v", "-map", "0:a?", "-map", "0:s?"]
    return [
        *input_args(source), *streams, "-c", "copy", "-map_metadata", "0",
        "-movflags", "+faststart", "-f", "mp4", str(target),
    ]  # fmt: skip


def remux_faststart(
    source: Path,
    target: Path,
    *,
    duration: float | None = None,
    on_progress: ProgressCallback | None = None,
    timeout: float | None = None,
) -> None:
    """Write ``target``: ``source`` remuxed (never re-encoded) with ``moov`` in front.

    Every stream is kept; if one of them cannot go into an MP4 (some cameras add data
    tracks), the remux is retried with the video, audio and subtitle tracks only.
    """
    try:
        run_ffmpeg(
            faststart_args(source, target),
            duration=duration,
            on_progress=on_progress,
            timeout=timeout,
        )
    except FFmpegInterrupted:
        raise
    except FFmpegError:
        run_ffmpeg(
            faststart_args(source, target, every_stream=False),
            duration=duration,
            on_progress=on_progress,
            timeout=timeout,
        )
