"""``python -m bench tus``: resumable uploads (tus), throughput against ``cp`` and memory.

Uploads a large generated MP4 to ``vidstream serve --service upload`` (a real account
and access token, the whole protocol, validation and storage included), with curl in
one PATCH and with tuspy, and copies the same file with ``cp`` on the same disk, round
by round, so the throughputs compare within one run. Each upload gets a fresh server
process, whose worker's peak resident memory (VmHWM) is read after a small and after a
large upload. Figures go to ``bench/out/tus-<time>.json`` and to the ``tus`` section
of ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path
from typing import Any

from tests.support.media import make_large_mp4

from bench.common.benchmark import PASSED, Benchmark
from bench.common.files import MIB
from bench.common.report import (
    DOC,
    OUT_DIR,
    load_average,
    say,
    update_section,
    utc_stamp,
    write_json,
)
from bench.tus.report import render_section
from bench.tus.upload import prepare, time_copy, upload_once


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Command-line knobs; the defaults are the documented run."""
    add = parser.add_argument
    add("--large-mib", type=int, default=1024, help="size of the large upload")
    add("--small-mib", type=int, default=100, help="size of the small upload")
    add("--chunk-mib", type=int, default=256, help="tuspy's chunk size (one PATCH each)")
    add("--rounds", type=int, default=3, help="how many times to measure everything")
    add("--threads", type=int, default=4, help="gunicorn threads of the one upload worker")


def run_rounds(workdir: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Generate the files, then per round: cp, the large upload, the small upload."""
    large, small = workdir / "large.mp4", workdir / "small.mp4"
    say(f"writing {args.large_mib} MiB and {args.small_mib} MiB MP4 files")
    make_large_mp4(large, args.large_mib * MIB)
    make_large_mp4(small, args.small_mib * MIB)
    env, token = prepare(workdir / "data")
    before = load_average()
    rounds = []
    for number in range(1, args.rounds + 1):
        copy, durable = time_copy(large, workdir / "data" / "copy.mp4")
        curl = upload_once(workdir, env, token, large, args, client="curl")
        big = upload_once(workdir, env, token, large, args)
        little = upload_once(workdir, env, token, small, args)
        one = {
            "cp_seconds": copy,
            "cp_sync_seconds": durable,
            "curl": curl,
            "large": big,
            "small": little,
        }
        rounds.append(one)
        say(
            f"round {number}: cp {args.large_mib / copy:.0f} MiB/s, tus with curl "
            f"{args.large_mib / curl['seconds']:.0f} MiB/s, with tuspy "
            f"{args.large_mib / big['seconds']:.0f} MiB/s; peak RSS {little['rss_peak_mib']:.0f} "
            f"MiB ({args.small_mib} MiB) / {big['rss_peak_mib']:.0f} MiB ({args.large_mib} MiB)"
        )
    return {"rounds": rounds, "load_average": {"before": before, "after": load_average()}}


def summarise(run: dict[str, Any], args: argparse.Namespace) -> dict[str, float]:
    """Medians over the rounds (throughputs in MiB/s, memory in MiB)."""
    rounds = run["rounds"]
    ratios = [r["cp_seconds"] / r["curl"]["seconds"] for r in rounds]
    return {
        "cp_mib_s": statistics.median(args.large_mib / r["cp_seconds"] for r in rounds),
        "cp_sync_mib_s": statistics.median(args.large_mib / r["cp_sync_seconds"] for r in rounds),
        "tus_mib_s": statistics.median(args.large_mib / r["curl"]["seconds"] for r in rounds),
        "tuspy_mib_s": statistics.median(args.large_mib / r["large"]["seconds"] for r in rounds),
        "ratio": statistics.median(ratios),
        "ratio_min": min(ratios),
        "ratio_max": max(ratios),
        "ratio_sync": statistics.median(
            r["cp_sync_seconds"] / r["curl"]["seconds"] for r in rounds
        ),
        "ratio_tuspy": statistics.median(r["cp_seconds"] / r["large"]["seconds"] for r in rounds),
        "ratio_fastest_cp": min(r["cp_seconds"] for r in rounds)
        / statistics.median(r["curl"]["seconds"] for r in rounds),
        "rss_small_mib": statistics.median(r["small"]["rss_peak_mib"] for r in rounds),
        "rss_large_mib": statistics.median(r["large"]["rss_peak_mib"] for r in rounds),
        "rss_idle_mib": statistics.median(r["large"]["rss_before_mib"] for r in rounds),
    }


def run(args: argparse.Namespace) -> int:
    """Measure; write the JSON and the docs section. The targets are reported, not enforced."""
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tus-bench-", dir=OUT_DIR) as tmp:
        result = run_rounds(Path(tmp), args)
    summary = summarise(result, args)
    stamp = utc_stamp()
    write_json("tus", stamp, {"when_utc": stamp, "parameters": vars(args), "summary": summary,
                              **result})  # fmt: skip
    if not args.no_docs:
        update_section(DOC, "tus", render_section(summary, result, args))
        say(f"table: {DOC.name}")
    return PASSED


BENCHMARK = Benchmark(
    name="tus",
    summary="resumable uploads: tus (curl and tuspy) against cp, and the worker's memory",
    description=__doc__ or "",
    add_arguments=add_arguments,
    run=run,
)
