"""The storyboard: a sprite sheet of frames every few seconds, indexed by WebVTT.

Players show the tile for the hovered instant above the seek bar; the VTT cue for
each interval points into the sheet with a media fragment (``#xywh=x,y,w,h``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from vidstream.media.ffmpeg import ProgressCallback, input_args, run_ffmpeg
from vidstream.media.ladder import even

TILE_LONG_SIDE = 160
COLUMNS = 10
MAX_TILES = 200
MIN_INTERVAL = 2


@dataclass(frozen=True)
class StoryboardPlan:
    """How many tiles, how far apart, their size and the grid they are laid out in."""

    interval: int
    count: int
    columns: int
    rows: int
    tile_width: int
    tile_height: int


def plan_storyboard(duration: float, width: int, height: int) -> StoryboardPlan:
    """One tile every ``interval`` seconds (2 or more, at most ``MAX_TILES`` tiles)."""
    interval = max(MIN_INTERVAL, math.ceil(duration / MAX_TILES))
    count = max(1, math.ceil(duration / interval))
    columns = min(COLUMNS, count)
    if width >= height:
        tile = (TILE_LONG_SIDE, even(TILE_LONG_SIDE * height / width))
    else:
        tile = (even(TILE_LONG_SIDE * width / height), TILE_LONG_SIDE)
    return StoryboardPlan(interval, count, columns, math.ceil(count / columns), *tile)


def storyboard_args(source: Path, image: Path, plan: StoryboardPlan) -> list[str]:
    """ffmpeg arguments that write the whole sprite sheet as one JPEG."""
    # Full range, as JPEG is: a source tagged limited range ("tv", as a Matroska or
    # tagged MP4 says) is converted, since the JPEG encoder refuses limited-range input
    # (the format is named too, for a sheet whose frames all come at the end of input).
    # At the end, the last frame is passed on: a clip shorter than one interval whose
    # timestamps fall just short of it would otherwise give no frame at all.
    graph = (
        f"fps=1/{plan.interval}:eof_action=pass,scale={plan.tile_width}:{plan.tile_height}:out_range=full,"
        f"setsar=1,tile={plan.columns}x{plan.rows},format=yuvj420p"
    )
    return [
        *input_args(source), "-map", "0:v:0", "-vf", graph, "-frames:v", "1",
        "-q:v", "5", "-update", "1", "-map_metadata", "-1", str(image),
    ]  # fmt: skip


def _timestamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def storyboard_vtt(plan: StoryboardPlan, duration: float, image_name: str) -> str:
    """The WebVTT index: one cue per tile, pointing at its rectangle in ``image_name``."""
    cues = ["WEBVTT", ""]
    for index in range(plan.count):
        start = index * plan.interval
        end = min(duration, start + plan.interval)
        x = (index % plan.columns) * plan.tile_width
        y = (index // plan.columns) * plan.tile_height
        cues += [
            f"{_timestamp(start)} --> {_timestamp(max(end, start + 0.001))}",
            f"{image_name}#xywh={x},{y},{plan.tile_width},{plan.tile_height}",
            "",
        ]
    return "\n".join(cues)


def write_storyboard(
    source: Path,
    image: Path,
    index: Path,
    plan: StoryboardPlan,
    *,
    duration: float,
    on_progress: ProgressCallback | None = None,
    timeout: float | None = None,
) -> None:
    """Write the sprite sheet to ``image`` and its WebVTT index to ``index``."""
    run_ffmpeg(
        storyboard_args(source, image, plan),
        duration=duration,
        on_progress=on_progress,
        timeout=timeout,
    )
    if not image.exists():
        raise ValueError("no frame could be decoded for the storyboard")
    index.write_text(storyboard_vtt(plan, duration, image.name))
