"""The ladder as it was before issue 16 (items 3-5): the "before" side of the comparison.

Kept here, not in the package, so the worker has one way to encode and the benchmark
can still run the old one beside it in the same run: every rung a libx264 encode at
the same preset, each with its own copy of the audio, playlists of type VOD.
"""

from __future__ import annotations

from pathlib import Path

from vidstream.media.ffmpeg import input_args
from vidstream.media.hls import INIT, PLAYLIST, SEGMENT_PATTERN
from vidstream.media.ladder import SEGMENT_SECONDS, Rendition, output_fps, scaled_size

# (short side, video kbit/s ceiling, audio kbit/s), as they were.
OLD_LADDER = ((240, 400, 64), (360, 800, 96), (480, 1400, 128), (720, 2800, 128), (1080, 5000, 160))


def old_plan(width: int, height: int, fps: float | None) -> list[tuple[Rendition, int]]:
    """The old ladder for a source (each rung with its audio kbit/s), up to its short side."""
    short = min(width, height)
    plan = []
    for side, video_kbps, audio_kbps in (r for r in OLD_LADDER if r[0] <= short):
        w, h = scaled_size(width, height, side)
        plan.append((Rendition(f"{side}p", w, h, output_fps(fps, side), video_kbps), audio_kbps))
    return plan


def _graph(renditions: list[Rendition]) -> str:
    branches = [
        f"[s{i}]fps={r.fps.numerator}/{r.fps.denominator},scale={r.width}:{r.height},setsar=1[v{i}]"
        for i, r in enumerate(renditions)
    ]
    labels = "".join(f"[s{i}]" for i in range(len(renditions)))
    return f"[0:v:0]split={len(renditions)}{labels};" + ";".join(branches)


def old_hls_args(
    source: Path, out_dir: Path, plan: list[tuple[Rendition, int]], has_audio: bool, preset: str
) -> list[str]:
    """The old single ffmpeg run: one split, one x264 encode and one AAC encode per rung."""
    args = [*input_args(source), "-filter_complex", _graph([r for r, _a in plan])]
    for index, (r, audio_kbps) in enumerate(plan):
        folder = out_dir / r.name
        folder.mkdir(parents=True, exist_ok=True)
        gop = str(int(r.gop))
        args += ["-map", f"[v{index}]"] + (["-map", "0:a:0"] if has_audio else [])
        args += [
            "-c:v", "libx264", "-preset", preset, "-crf", "22", "-profile:v", "high",
            "-keyint_min", gop, "-sc_threshold", "0",
            "-maxrate", f"{r.video_kbps}k", "-bufsize", f"{r.video_kbps * 2}k",
            "-g", gop, "-pix_fmt", "yuv420p",
            "-force_key_frames", f"expr:gte(t,n_forced*{SEGMENT_SECONDS})",
        ]  # fmt: skip
        if has_audio:
            args += ["-c:a", "aac", "-b:a", f"{audio_kbps}k", "-ac", "2", "-ar", "48000"]
        args += [
            "-map_metadata", "-1", "-map_chapters", "-1",
            "-f", "hls", "-hls_time", str(SEGMENT_SECONDS), "-hls_playlist_type", "vod",
            "-hls_segment_type", "fmp4", "-hls_fmp4_init_filename", INIT,
            "-hls_flags", "independent_segments",
            "-hls_segment_filename", str(folder / SEGMENT_PATTERN), str(folder / PLAYLIST),
        ]  # fmt: skip
    return args
