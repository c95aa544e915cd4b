"""SSIM of each rung of a ladder against the source scaled to that rung (ffmpeg's ``ssim``).

``python -m bench.pipeline.quality SOURCE HLS_DIR`` prints one JSON object per rung.
The reference is the source put through the same frame-rate change and the same
(bicubic) scaler to the rung's size, so the figure measures what the encoder lost,
not the resize that every player would do anyway. ``every`` compares one frame in
``every``, keeping the check affordable on a shared machine; the frames are taken
at the same instants on both sides.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from vidstream.media.ffmpeg import ffmpeg_binary
from vidstream.media.ladder import output_fps
from vidstream.media.probe import open_media, probe_video

SSIM_ALL = re.compile(r"SSIM .*All:([0-9.]+)")


def _video_facts(source: Path, playlist: Path) -> tuple[int, int, str]:
    """The rung's width and height (from its init section) and frame rate (the ladder's rule)."""
    with open_media(playlist.parent / "init.mp4") as container:
        context = container.streams.video[0].codec_context
        width, height = context.width, context.height
    fps = output_fps(probe_video(source).frame_rate, min(width, height))
    return width, height, f"{fps.numerator}/{fps.denominator}"


def rung_ssim(source: Path, playlist: Path, every: int = 1) -> float:
    """Mean SSIM (Y, U and V weighted, ffmpeg's "All") of one rung against the source."""
    width, height, rate = _video_facts(source, playlist)
    pick = f",select=not(mod(n\\,{every}))" if every > 1 else ""
    graph = (
        f"[1:v:0]fps={rate},scale={width}:{height},setsar=1{pick}[ref];"
        f"[0:v:0]setsar=1{pick}[rung];[rung][ref]ssim"
    )
    argv = [ffmpeg_binary(), "-hide_banner", "-nostdin", "-nostats",
            "-allowed_extensions", "ALL", "-i", str(playlist), "-i", str(source),
            "-filter_complex", graph, "-f", "null", "-"]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    found = SSIM_ALL.findall(done.stderr)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"ssim failed for {playlist}: {done.stderr[-1500:]}")
    return float(found[-1])


def ladder_quality(source: Path, hls_dir: Path, every: int = 1) -> dict[str, dict[str, Any]]:
    """For each rung folder holding a video playlist: its SSIM, size and video bytes."""
    result: dict[str, dict[str, Any]] = {}
    for playlist in sorted(hls_dir.glob("*/index.m3u8")):
        if not playlist.parent.name.endswith("p"):
            continue
        files = [p for p in playlist.parent.iterdir() if p.is_file()]
        result[playlist.parent.name] = {
            "ssim": rung_ssim(source, playlist, every),
            "bytes": sum(p.stat().st_size for p in files),
        }
    return result


def main() -> None:
    """Print the quality of the ladder in ``sys.argv[2]`` against the source ``sys.argv[1]``."""
    every = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    print(json.dumps(ladder_quality(Path(sys.argv[1]), Path(sys.argv[2]), every)))


if __name__ == "__main__":
    main()
