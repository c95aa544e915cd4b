"""Whether the source's own video can be the top HLS rung, copied instead of encoded.

Encoding the top rung is about half of the ladder's work. A source that is already
what the top rung would be (8-bit 4:2:0 H.264, square pixels, not rotated, a frame
rate the ladder keeps, no more bits than the rung allows) and has keyframes at
least every :data:`MAX_KEYFRAME_GAP` seconds is stream-copied into segments; the
encoded rungs then get their keyframes at the source's keyframe instants, so every
rung's segments still start at the same moments. Only packet headers are read.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

from vidstream.media.ladder import Rendition, output_fps
from vidstream.media.probe import VideoProbe, open_media

# A longer gap makes segments too long for a player to switch rungs promptly.
MAX_KEYFRAME_GAP = 10.0
# The copied rung may use this much more than the rung's own ceiling, no more.
BITRATE_SLACK = 1.1
COPYABLE_PIXEL_FORMATS = ("yuv420p", "yuvj420p")


@dataclass(frozen=True)
class SourceVideo:
    """What deciding on a copy needs beyond the probe: format, bit rate, keyframes."""

    pixel_format: str
    bit_rate: int
    keyframes: tuple[float, ...]
    duration: float


def read_source_video(path: Path) -> SourceVideo:
    """The first video track's pixel format, mean bit rate and keyframe times (seconds)."""
    with open_media(path) as container:
        stream = container.streams.video[0]
        base = float(stream.time_base or 0)
        keyframes: list[float] = []
        total = 0
        first = last = None
        for packet in container.demux(stream):
            if packet.size == 0 or packet.pts is None:
                continue
            total += packet.size
            seconds = packet.pts * base
            first = seconds if first is None else min(first, seconds)
            last = seconds if last is None else max(last, seconds)
            if packet.is_keyframe:
                keyframes.append(seconds)
        start = first or 0.0
        duration = max(0.001, (last or 0.0) - start)
        return SourceVideo(
            pixel_format=stream.codec_context.format.name if stream.codec_context.format else "",
            bit_rate=round(total * 8 / duration),
            keyframes=tuple(round(k - start, 3) for k in keyframes),
            duration=duration,
        )


def regular_keyframes(keyframes: tuple[float, ...], duration: float) -> bool:
    """Whether no stretch of the video, its end included, goes without a keyframe too long."""
    if not keyframes or keyframes[0] > 0.1:
        return False
    edges = [*keyframes, duration]
    return all(b - a <= MAX_KEYFRAME_GAP for a, b in itertools.pairwise(edges))


def copyable_top(probe: VideoProbe, source: SourceVideo, top: Rendition) -> bool:
    """Whether the source can be copied as the rung ``top`` (the ladder's highest)."""
    fps = probe.frame_rate or 0
    return (
        probe.video_codec == "h264"
        and source.pixel_format in COPYABLE_PIXEL_FORMATS
        and probe.rotation == 0
        and abs(probe.sample_aspect - 1.0) < 1e-3
        and (probe.width, probe.height) == (top.width, top.height)
        and fps > 0
        and abs(float(output_fps(fps, min(top.width, top.height))) - fps) < 0.01
        and source.bit_rate <= top.video_kbps * 1000 * BITRATE_SLACK
        and regular_keyframes(source.keyframes, source.duration)
    )
