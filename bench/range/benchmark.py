"""``python -m bench range``: serving bytes, vidstream against nginx and a naive Flask view.

Serves one large file from nginx, from ``vidstream serve`` (with a real session and
access check) and from a naive Flask generator, loads each with wrk, and writes the
figures to ``bench/out/range-<time>.json`` and the ``range`` section of
``docs/benchmarks.md``. Exits with status 1 when vidstream's 1 MiB range rate is
below TARGET_RATIO times nginx's, or when wrk saw failed requests.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench.common.benchmark import FAILED, PASSED, Benchmark
from bench.common.files import MIB, read_bytes, write_random_file
from bench.common.procs import Target, find_tools
from bench.common.report import (
    DOC,
    load_average,
    machine_facts,
    say,
    update_section,
    utc_stamp,
    write_json,
)
from bench.common.tables import Round, ratio
from bench.common.wrk import Load, run_wrk, write_hook
from bench.range.checks import (
    Expected,
    check_refuses_strangers,
    check_serves_the_file,
    check_share_needs_its_grant,
)
from bench.range.figures import problems, summarise
from bench.range.report import render_section
from bench.range.servers import start_embedded, start_naive, start_nginx

# vidstream's 1 MiB range requests per second, at least this share of nginx's (issue
# 16's target for the app's own byte path; the first round's was 0.2).
TARGET_RATIO = 0.6


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Command-line knobs; the defaults are the documented run."""
    add = parser.add_argument
    add("--size-mib", type=int, default=256, help="size of the served file")
    add("--offset-mib", type=int, default=100, help="where the range starts")
    add("--range-kib", type=int, default=1024, help="length of the range")
    add("--seconds", type=int, default=10, help="length of each measured run")
    add("--warmup", type=int, default=2, help="length of the unmeasured run before each")
    add("--rounds", type=int, default=3, help="how many times to measure every server")
    add("--full-connections", type=int, default=4, help="clients for the whole-file load")
    add("--range-connections", type=int, default=16, help="clients for the range load")
    add("--workers", type=int, default=2, help="gunicorn workers (vidstream serve's default)")
    add("--threads", type=int, default=16, help="gunicorn threads (vidstream serve's default)")


def check(args: argparse.Namespace) -> str | None:
    """The range must lie inside the file."""
    if args.offset_mib * MIB + args.range_kib * 1024 > args.size_mib * MIB:
        return "the range must lie inside the file"
    return None


def make_source(path: Path, args: argparse.Namespace) -> Expected:
    """Write the file all three servers serve: seeded random bytes, no two ranges alike."""
    size, offset, length = args.size_mib * MIB, args.offset_mib * MIB, args.range_kib * 1024
    digest = write_random_file(path, args.size_mib, seed=2024)
    wanted = read_bytes(path, offset, length)
    return Expected(size, digest, f"bytes={offset}-{offset + length - 1}", wanted)


def start_targets(
    stack: ExitStack, workdir: Path, source: Path, nginx: str, args: argparse.Namespace
) -> list[Target]:
    """nginx, vidstream and the naive app, each registered on ``stack`` to be stopped."""
    say("starting nginx, vidstream serve (owner and share link) and the naive Flask app")
    return [
        start_nginx(stack, nginx, workdir, source, args.workers),
        *start_embedded(stack, workdir, source, args.workers, args.threads),
        start_naive(stack, workdir, source, args.workers, args.threads),
    ]


def measure_round(
    wrk: str, hook: Path, targets: list[Target], loads: dict[str, Load], warmup: int
) -> Round:
    """Warm up, then measure, every target under every load."""
    one: Round = {}
    for scenario, load in loads.items():
        one[scenario] = {}
        for target in targets:
            warm = Load(load.connections, load.threads, warmup, load.range_header)
            run_wrk(wrk, hook, target, warm)
            m = run_wrk(wrk, hook, target, load)
            one[scenario][target.key] = m
            say(
                f"  {scenario:5} {target.label:28} {m.requests_per_s:9,.0f} req/s "
                f"{m.mb_per_s:8,.0f} MB/s  p50 {m.p50_ms:7.1f} ms  p99 {m.p99_ms:7.1f} ms"
            )
    return one


def benchmark(args: argparse.Namespace, nginx: str, wrk: str) -> dict[str, Any]:
    """Start everything, check it, measure it; stop every server whatever happens."""
    with tempfile.TemporaryDirectory(prefix="vidstream-bench-") as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        source = workdir / "source.mp4"
        say(f"writing a {args.size_mib} MiB file")
        expected = make_source(source, args)
        targets = start_targets(stack, workdir, source, nginx, args)
        for target in targets:
            check_serves_the_file(target, expected)
        check_refuses_strangers(next(t for t in targets if t.key == "vidstream"), expected)
        check_share_needs_its_grant(next(t for t in targets if t.key == "share"), expected)
        hook = write_hook(workdir)
        threads = min(os.cpu_count() or 1, 2)
        loads = {
            "full": Load(args.full_connections, threads, args.seconds),
            "range": Load(args.range_connections, threads, args.seconds, expected.range_header),
        }
        before = load_average()
        rounds = []
        for number in range(1, args.rounds + 1):
            say(f"round {number} of {args.rounds}")
            rounds.append(measure_round(wrk, hook, targets, loads, args.warmup))
        return {
            "targets": targets,
            "rounds": rounds,
            "loads": loads,
            "load_average": {"before": before, "after": load_average()},
            "issues": problems(rounds, targets, args.range_kib * 1024),
        }


def publish(args: argparse.Namespace, nginx: str, wrk: str, run: dict[str, Any]) -> float:
    """Write the JSON and the docs section; return vidstream's range ratio to nginx."""
    targets: list[Target] = run["targets"]
    rounds: list[Round] = run["rounds"]
    facts = machine_facts(nginx, wrk)
    share = ratio(rounds, "range", "vidstream", "requests_per_s").median
    shared = ratio(rounds, "range", "share", "requests_per_s", baseline="vidstream").median
    stamp = utc_stamp()
    raw = {
        "when_utc": stamp,
        "machine": facts,
        "parameters": vars(args),
        "load_average": run["load_average"],
        "targets": {t.key: t.label for t in targets},
        "summary": summarise(rounds, targets),
        "target_ratio": TARGET_RATIO,
        "share_to_owner_range_ratio": shared,
        "rounds": [
            {s: {k: m.as_dict() for k, m in by.items()} for s, by in one.items()} for one in rounds
        ],
        "issues": run["issues"],
    }
    write_json("range", stamp, raw)
    if not args.no_docs:
        update_section(DOC, "range", render_section(facts, args, run, share, TARGET_RATIO))
        say(f"table: {DOC.name}")
    return share


def run(args: argparse.Namespace) -> int:
    """Measure and publish; FAILED when wrk saw failures or the target ratio was missed."""
    nginx, wrk = find_tools()
    result = benchmark(args, nginx, wrk)
    share = publish(args, nginx, wrk, result)
    for issue in result["issues"]:
        say(f"warning: {issue}")
    if share < TARGET_RATIO:
        say(
            f"bench range: target missed: vidstream's 1 MiB range rate was {share:.2f}x "
            f"nginx's, the target is at least {TARGET_RATIO}x"
        )
        return FAILED
    say(f"vidstream range req/s = {share:.2f} x nginx (meets the {TARGET_RATIO}x target)")
    shared = ratio(result["rounds"], "range", "share", "requests_per_s", baseline="vidstream")
    say(f"share link range req/s = {shared.median:.2f} x the owner's")
    return FAILED if result["issues"] else PASSED


BENCHMARK = Benchmark(
    name="range",
    summary="serving 1 MiB ranges: vidstream against nginx and a naive Flask view",
    description=__doc__ or "",
    add_arguments=add_arguments,
    run=run,
    check=check,
)
