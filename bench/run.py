"""The byte-serving benchmark, in one command: ``python -m bench``.

Serves one large file from nginx, from ``vidstream serve`` (with a real session and
access check) and from a naive Flask generator, loads each with wrk, and writes the
figures to ``bench/out/`` (JSON) and ``docs/benchmarks.md`` (a table).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from types import FrameType
from typing import Any

from bench.baselines import start_naive, start_nginx
from bench.checks import Expected, check_refuses_strangers, check_serves_the_file
from bench.embedded import start_embedded
from bench.procs import BenchError, Target
from bench.report import load_average, machine_facts, render_section, update_section, write_json
from bench.summary import Round, problems, ratio, results_table, rounds_table, summarise
from bench.wrk import Load, run_wrk, write_hook

MIB = 1024 * 1024
ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "bench" / "out"
DOC = ROOT / "docs" / "benchmarks.md"
TARGET_RATIO = 0.2


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line knobs; the defaults are the documented run."""
    parser = argparse.ArgumentParser(prog="python -m bench range", description=__doc__)
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
    add("--no-docs", action="store_true", help="do not rewrite docs/benchmarks.md")
    args = parser.parse_args(argv)
    if args.offset_mib * MIB + args.range_kib * 1024 > args.size_mib * MIB:
        parser.error("the range must lie inside the file")
    return args


def find_tools() -> tuple[str, str]:
    """Paths of nginx and wrk, or a one-line reason why the benchmark cannot run."""
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    wrk = shutil.which("wrk")
    if nginx is None or wrk is None:
        missing = " and ".join(n for n, p in (("nginx", nginx), ("wrk", wrk)) if p is None)
        raise BenchError(f"{missing} not found: apt-get install nginx wrk")
    return nginx, wrk


def make_source(path: Path, args: argparse.Namespace) -> Expected:
    """Write the file all three servers serve: seeded random bytes, no two ranges alike."""
    size, offset, length = args.size_mib * MIB, args.offset_mib * MIB, args.range_kib * 1024
    rng = random.Random(2024)
    digest = hashlib.sha256()
    with open(path, "wb") as fh:
        for _ in range(args.size_mib):
            block = rng.randbytes(MIB)
            digest.update(block)
            fh.write(block)
    with open(path, "rb") as fh:
        fh.seek(offset)
        wanted = fh.read(length)
    return Expected(size, digest.hexdigest(), f"bytes={offset}-{offset + length - 1}", wanted)


def start_targets(
    stack: ExitStack, workdir: Path, source: Path, nginx: str, args: argparse.Namespace
) -> list[Target]:
    """nginx, vidstream and the naive app, each registered on ``stack`` to be stopped."""
    say("starting nginx, vidstream serve and the naive Flask app")
    return [
        start_nginx(stack, nginx, workdir, source, args.workers),
        start_embedded(stack, workdir, source, args.workers, args.threads),
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


def say(message: str) -> None:
    """Progress on stderr."""
    print(message, file=sys.stderr, flush=True)


def _terminate(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


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
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    facts = machine_facts(nginx, wrk)
    share = ratio(rounds, "range", "vidstream", "requests_per_s").median
    raw = {
        "when_utc": stamp,
        "machine": facts,
        "parameters": vars(args),
        "load_average": run["load_average"],
        "targets": {t.key: t.label for t in targets},
        "summary": summarise(rounds, targets),
        "rounds": [
            {s: {k: m.as_dict() for k, m in by.items()} for s, by in one.items()} for one in rounds
        ],
        "issues": run["issues"],
    }
    path = write_json(OUT_DIR, stamp, raw)
    say(f"raw figures: {path.relative_to(ROOT)}")
    if not args.no_docs:
        body = render_section(
            facts, args, run, results_table(rounds, targets), rounds_table(rounds, targets), share
        )
        update_section(DOC, "range", body)
        say(f"table: {DOC.relative_to(ROOT)}")
    return share


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when every measurement was clean, 1 when wrk saw errors."""
    args = parse_args(argv)
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        nginx, wrk = find_tools()
        run = benchmark(args, nginx, wrk)
        share = publish(args, nginx, wrk, run)
    except BenchError as error:
        say(f"bench: {error}")
        return 2
    except KeyboardInterrupt:
        say("bench: interrupted; every server was stopped")
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
    for issue in run["issues"]:
        say(f"warning: {issue}")
    verdict = "meets" if share >= TARGET_RATIO else "misses"
    say(f"vidstream range req/s = {share:.2f} x nginx ({verdict} the {TARGET_RATIO}x target)")
    return 1 if run["issues"] else 0
