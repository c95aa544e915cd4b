"""The rendition ladder: which sizes, frame rates and bit rates a source gets.

Sizes are named by the short side (a portrait 1080x1920 video gets a "1080p"
rendition too), never exceed the source, and are even, as 4:2:0 H.264 requires.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

SEGMENT_SECONDS = 4
# (short side, video kbit/s ceiling)
LADDER = ((240, 400), (360, 800), (480, 1400), (720, 2800), (1080, 5000))
# The one audio rendition every video rung shares (stereo AAC-LC, 48 kHz).
AUDIO_KBPS = 128
DEFAULT_FPS = Fraction(30)


@dataclass(frozen=True)
class Rendition:
    """One HLS video variant: its folder name, frame size, frame rate and bit rate ceiling.

    ``copy`` marks the top rung made from the source's own video stream, not encoded.
    """

    name: str
    width: int
    height: int
    fps: Fraction
    video_kbps: int
    copy: bool = False

    @property
    def gop(self) -> int:
        """A keyframe-interval ceiling of two segments; forced keyframes come every one."""
        return math.ceil(self.fps * SEGMENT_SECONDS * 2)


def even(value: float) -> int:
    """``value`` rounded to the nearest even number, at least 2."""
    return max(2, round(value / 2) * 2)


def output_fps(source_fps: float | None, short_side: int) -> Fraction:
    """The source's frame rate, halved while above 60 (30 below 720p); VFR becomes constant."""
    if not source_fps or source_fps <= 0:
        return DEFAULT_FPS
    fps = Fraction(source_fps).limit_denominator(1001)
    cap = 60 if short_side >= 720 else 30
    while fps > cap + Fraction(1, 2):
        fps /= 2
    return fps


def scaled_size(width: int, height: int, short_side: int) -> tuple[int, int]:
    """``width`` x ``height`` scaled so the shorter side is ``short_side``, both even."""
    if width >= height:
        return even(width * short_side / height), even(short_side)
    return even(short_side), even(height * short_side / width)


def plan_ladder(width: int, height: int, fps: float | None) -> list[Rendition]:
    """Renditions for a source shown at ``width`` x ``height``, lowest first; no upscaling.

    A source smaller than the lowest rung gets one rendition at its own (even) size.
    """
    short = min(width, height)
    rungs = [rung for rung in LADDER if rung[0] <= short]
    if not rungs:
        rungs = [(even(short), LADDER[0][1])]
    plan = []
    for side, video_kbps in rungs:
        w, h = scaled_size(width, height, side)
        plan.append(Rendition(f"{side}p", w, h, output_fps(fps, side), video_kbps))
    return plan
