"""``python -m bench pipeline``: the media pipeline's overhead, time to playable, ladder speed.

1. Overhead: a 60 s 1080p source goes through the pipeline exactly as a worker runs it
   (faststart, poster, storyboard, HLS ladder, with the database, storage and progress
   reporting), and, in the same run, through the bare ffmpeg commands that produce the
   same outputs. Rounds alternate so that both see the same machine.
2. Upload complete to playable: a 200 MB source with its index at the end is uploaded
   while a real ``vidstream worker`` waits on the embedded queue; the clock runs from
   the upload's answer until the video's row says ``ready_original``.
3. The ladder's realtime factor: source seconds per second of the bare HLS encode.
4. The ladder before and after issue 16 (bench/pipeline/legacy.py against the worker's),
   on the source above and on a web-ready twin whose top rung is copied: wall and CPU
   time, bytes, SSIM per rung (bench/pipeline/quality.py); storage per video; and
   upload answered to the first HLS rung playable.

Figures go to ``bench/out/pipeline-<time>.json`` and the ``pipeline`` section of
``docs/benchmarks.md``. Exits with status 1 when the pipeline's median overhead over
the bare commands exceeds TARGET_OVERHEAD.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.support.media import ffmpeg

from bench.common.benchmark import FAILED, PASSED, Benchmark
from bench.common.files import MIB
from bench.common.procs import (
    BenchError,
    embedded_env,
    log_tail,
    start,
    stop,
    vidstream_cli,
    vidstream_command,
)
from bench.common.report import DOC, ROOT, load_average, say, update_section, utc_stamp, write_json
from bench.pipeline.report import TARGET_OVERHEAD, render_section
from vidstream.media.faststart import faststart_args
from vidstream.media.ffmpeg import run_ffmpeg


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Command-line knobs; the defaults are the documented run."""
    add = parser.add_argument
    add("--seconds", type=int, default=60, help="length of the 1080p source")
    add("--big-mb", type=int, default=200, help="size of the upload-to-playable source (MB)")
    add("--rounds", type=int, default=2, help="pipeline/bare pairs to measure")
    add("--playable-rounds", type=int, default=3, help="uploads to time")
    add("--preset", default="veryfast", help="x264 preset (the production default)")
    add("--ssim-every", type=int, default=3, help="compare one frame in this many for SSIM")


def make_sources(workdir: Path, seconds: int, big_mb: int) -> tuple[Path, Path, Path]:
    """A camera-like 1080p source (index at the end), its web-ready twin, one of ``big_mb`` MB."""
    source, web = workdir / "source-1080p.mp4", workdir / "web-1080p.mp4"
    # One render of the picture, two encodes: the camera-like source, and the same
    # picture as a web-ready H.264 (within the top rung's bit rate, a keyframe every
    # 2 s) whose video the ladder copies as its top rung.
    ffmpeg("-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=30:duration={seconds}",
           "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
           "-filter_complex", "[0:v]noise=alls=12:allf=t,split[a][b]",
           "-map", "[a]", "-map", "1:a", "-c:v", "libx264", "-preset", "veryfast",
           "-b:v", "8M", "-maxrate", "10M", "-bufsize", "16M", "-pix_fmt", "yuv420p",
           "-c:a", "aac", "-b:a", "128k", str(source),
           "-map", "[b]", "-map", "1:a", "-c:v", "libx264", "-preset", "veryfast",
           "-b:v", "4500k", "-maxrate", "5000k", "-bufsize", "10M", "-g", "60",
           "-keyint_min", "60", "-sc_threshold", "0", "-pix_fmt", "yuv420p",
           "-c:a", "aac", "-b:a", "128k", str(web))  # fmt: skip
    clip = workdir / "clip.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30:duration=10",
           "-vf", "noise=alls=30:allf=t", "-c:v", "libx264", "-preset", "ultrafast",
           "-b:v", "30M", "-pix_fmt", "yuv420p", str(clip))  # fmt: skip
    loops = max(0, math.ceil(big_mb * 1_000_000 / clip.stat().st_size) - 1)
    big = workdir / "big.mp4"
    ffmpeg("-stream_loop", str(loops), "-i", str(clip), "-c", "copy", str(big))
    return source, web, big


def _child_json(*args: str) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter, so every round starts the same way."""
    module = "bench.pipeline.ladders" if args[0] == "ladders" else "bench.pipeline.rounds"
    done = subprocess.run([sys.executable, "-m", module, *args[args[0] == "ladders" :]],
                          capture_output=True, text=True, check=False, cwd=ROOT)  # fmt: skip
    if done.returncode != 0:
        raise BenchError(f"bench.pipeline.rounds {args[0]} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def overhead_rounds(workdir: Path, source: Path, args: argparse.Namespace) -> list[dict[str, Any]]:
    """Alternate a pipeline run and a bare run, ``args.rounds`` times."""
    rounds = []
    for index in range(args.rounds):
        data = workdir / f"round-{index}"
        say(f"round {index + 1}/{args.rounds}: pipeline")
        piped = _child_json("pipeline", str(source), str(data / "pipeline"), args.preset)
        say(f"round {index + 1}/{args.rounds}: bare ffmpeg")
        bare = _child_json("bare", str(source), str(data / "bare"), args.preset,
                           str(piped["poster_at"]))  # fmt: skip
        rounds.append({"pipeline": piped, "bare": bare})
    return rounds


def _wait_for_log(log: Path, text: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while text not in log.read_text(errors="replace"):
        if time.monotonic() > deadline:
            raise BenchError(f"the worker never said {text!r}:\n{log_tail(log)}")
        time.sleep(0.1)


def playable_rounds(workdir: Path, big: Path, rounds: int) -> list[dict[str, Any]]:
    """Upload ``big`` with a real worker running; time upload answer to ``ready_original``."""
    results = []
    for index in range(rounds):
        data = workdir / f"playable-{index}"
        env = embedded_env(data)
        vidstream_cli(env, "db", "upgrade")
        log = workdir / f"worker-{index}.log"
        worker = start("worker", [vidstream_command(), "worker", "-c", "1"], log, env=env)
        try:
            _wait_for_log(log, " ready.", 60)
            say(f"upload {index + 1}/{rounds}: {big.stat().st_size / MIB:.0f} MiB")
            results.append(_child_json("upload", str(big), str(data)))
        finally:
            stop(worker, grace=10)
    return results


def bare_remux_seconds(workdir: Path, big: Path) -> float:
    """The faststart remux alone, as ffmpeg runs it (the floor for upload-to-playable)."""
    started = time.perf_counter()
    run_ffmpeg(faststart_args(big, workdir / "remuxed.mp4"))
    return time.perf_counter() - started


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Make the sources, then every round of every measurement, in a scratch directory."""
    with tempfile.TemporaryDirectory(prefix="vidstream-pipeline-bench-") as tmp:
        workdir = Path(tmp)
        say("making the sources")
        source, web, big = make_sources(workdir, args.seconds, args.big_mb)
        load_before = load_average()
        overhead = overhead_rounds(workdir, source, args)
        ladders = {}
        for name, path in (("camera", source), ("web", web)):
            say(f"ladder before and after: {name} source")
            ladders[name] = _child_json("ladders", str(path), str(workdir / f"ladders-{name}"),
                                        args.preset, str(args.ssim_every))  # fmt: skip
        playable = playable_rounds(workdir, big, args.playable_rounds)
        return {
            "args": {k: v for k, v in vars(args).items() if k != "benchmark"},
            "source_bytes": source.stat().st_size,
            "big_bytes": big.stat().st_size,
            "cpus": os.cpu_count(),
            "load_average": {"before": load_before, "after": load_average()},
            "overhead": overhead,
            "ladders": ladders,
            "playable": playable,
            "bare_remux_seconds": bare_remux_seconds(workdir, big),
        }


def run(args: argparse.Namespace) -> int:
    """Measure, write the JSON, update the docs section; FAILED when the overhead is missed."""
    results = measure(args)
    write_json("pipeline", utc_stamp(), results)
    section = render_section(results)
    print(section)
    if not args.no_docs:
        update_section(DOC, "pipeline", section)
    overhead = statistics.median(
        r["pipeline"]["seconds"] / r["bare"]["seconds"] - 1 for r in results["overhead"]
    )
    if overhead > TARGET_OVERHEAD:
        say(
            f"bench pipeline: target missed: the pipeline took {overhead:+.1%} over the bare "
            f"ffmpeg commands, the target is at most {TARGET_OVERHEAD:+.0%}"
        )
        return FAILED
    return PASSED


BENCHMARK = Benchmark(
    name="pipeline",
    summary="media pipeline: overhead over bare ffmpeg, upload to playable, ladder speed",
    description=__doc__ or "",
    add_arguments=add_arguments,
    run=run,
)
