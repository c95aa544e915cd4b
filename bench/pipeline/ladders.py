"""The ladder before and after issue 16, on one source, in one process: time, CPU, bytes, SSIM.

``python -m bench.pipeline.ladders SOURCE DIR PRESET SSIM_EVERY`` prints JSON. Both
encodes are the bare ffmpeg command, run back to back (old first), each timed by
the wall clock and by the CPU time ffmpeg used (``RUSAGE_CHILDREN``): on a machine
shared with other work the CPU time is what the encode itself cost, and
``duration / (cpu / cores)`` is the realtime factor it would reach with the cores
to itself.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.pipeline.legacy import old_hls_args, old_plan
from bench.pipeline.quality import ladder_quality
from vidstream.jobs.steps import plan_rungs
from vidstream.media.encoders import choose_encoder
from vidstream.media.ffmpeg import ffmpeg_command
from vidstream.media.hls import EncodeOptions, folders, hls_args
from vidstream.media.probe import probe_video


def _timed(args: list[str]) -> dict[str, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(ffmpeg_command(args), check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu}


def _bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def compare(source: Path, folder: Path, preset: str, every: int) -> dict[str, Any]:
    """Old ladder, then new ladder, of ``source``; each with its time, bytes and SSIM."""
    probe = probe_video(source)
    has_audio = probe.audio_codec is not None
    old_dir, new_dir = folder / "old", folder / "new"
    old = _timed(old_hls_args(source, old_dir, old_plan(*probe.display_size, probe.frame_rate),
                              has_audio, preset))  # fmt: skip
    ladder, keyframes = plan_rungs(source, probe)
    for name in folders(ladder, has_audio):
        (new_dir / name).mkdir(parents=True, exist_ok=True)
    opts = EncodeOptions(choose_encoder("auto"), has_audio, preset, keyframes)
    new = _timed(hls_args(source, new_dir, ladder, opts))
    return {
        "duration": probe.duration_seconds,
        "source_bytes": source.stat().st_size,
        "encoder": opts.encoder,
        "ladder": [f"{r.name}{' (copy)' if r.copy else ''}" for r in ladder],
        "old": {**old, "bytes": _bytes(old_dir), "quality": ladder_quality(source, old_dir, every)},
        "new": {**new, "bytes": _bytes(new_dir), "quality": ladder_quality(source, new_dir, every)},
    }


def main() -> None:
    """Compare the two ladders of ``sys.argv[1]``; print the result as JSON."""
    source, folder, preset, every = sys.argv[1:5]
    print(json.dumps(compare(Path(source), Path(folder), preset, int(every))))


if __name__ == "__main__":
    main()
