"""The gateway benchmark, in one command: ``python -m bench gateway``.

Media bytes through the nginx gateway, both ways it offers: by the signed links the
stream service hands out after its access check (nginx checks them with
``secure_link``, no upstream request), and by X-Accel-Redirect (the stream service
authorises every request, nginx sends the file). Both against the same nginx sending
the same files from a plain location. Two loads: 1 MiB ranges of a large file at
random MiB-aligned offsets around ``--offset-mib``, and whole HLS segments of a clip
the real pipeline processed, each at every ``--connections`` count. Rounds alternate
the order. Figures go to ``bench/out/gateway-<time>.json`` and to the ``gateway``
section of ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import redis

from bench.cpu_time import cpu_seconds
from bench.gateway_checks import app_path, check_everything
from bench.gateway_nginx import DIRECT_PREFIX
from bench.gateway_report import render_section
from bench.gateway_setup import Running, start_servers
from bench.interrupts import sigterm_interrupts
from bench.procs import BenchError, Target
from bench.report import load_average, machine_facts, update_section
from bench.run import find_tools, make_source
from bench.summary import Round
from bench.wrk import Load, Measurement, run_wrk
from bench.wrk_lua import Spec, write_script
from vidstream.models.video import original_key

MIB = 1024 * 1024
ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "bench" / "out"
DOC = ROOT / "docs" / "benchmarks.md"
TARGETS = {
    "nginx": "nginx, direct",
    "gateway": "gateway, X-Accel-Redirect",
    "signed": "gateway, signed link",
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line knobs; the defaults are the documented run."""
    parser = argparse.ArgumentParser(prog="python -m bench gateway", description=__doc__)
    add = parser.add_argument
    add("--size-mib", type=int, default=256, help="size of the large file")
    add("--offset-mib", type=int, default=100, help="middle of the range offsets")
    add("--spread-mib", type=int, default=16, help="offsets lie within this many MiB of it")
    add("--range-kib", type=int, default=1024, help="length of each range")
    add("--clip-seconds", type=int, default=40, help="length of the clip for HLS")
    add("--connections", default="16,64", help="concurrent clients, comma-separated")
    add("--seconds", type=int, default=10, help="length of each measured run")
    add("--warmup", type=int, default=2, help="length of the unmeasured run before each")
    add("--rounds", type=int, default=3, help="how many times to measure every server")
    add("--workers", type=int, default=2, help="gunicorn workers of the stream service")
    add("--threads", type=int, default=16, help="gunicorn threads per worker")
    add("--nginx-workers", default="auto", help="nginx worker_processes")
    add("--access-log", action="store_true", help="let nginx write an access log")
    add("--redis-url", help="keep sessions and the media cache in this Redis")
    add("--no-docs", action="store_true", help="do not rewrite docs/benchmarks.md")
    args = parser.parse_args(argv)
    args.redis_prefix = f"vidstream-bench-{random.randrange(16**8):08x}:"
    args.connection_counts = [int(c) for c in args.connections.split(",")]
    if (args.offset_mib + args.spread_mib) * MIB + args.range_kib * 1024 > args.size_mib * MIB:
        parser.error("every range must lie inside the file")
    if args.spread_mib > args.offset_mib:
        parser.error("--spread-mib must not exceed --offset-mib")
    return args


def say(message: str) -> None:
    """Progress on stderr."""
    print(message, file=sys.stderr, flush=True)


def _ranges(args: argparse.Namespace) -> list[str]:
    length = args.range_kib * 1024
    first = args.offset_mib - args.spread_mib
    starts = [mib * MIB for mib in range(first, args.offset_mib + args.spread_mib)]
    return [f"bytes={s}-{s + length - 1}" for s in starts]


def _path(target: str, key: str, run: Running) -> str:
    if target == "gateway":
        return app_path(key)
    if target == "signed":
        return run.links[key]
    return DIRECT_PREFIX + key


def scripts(run: Running, args: argparse.Namespace, workdir: Path) -> dict[tuple[str, str], Path]:
    """One wrk script per (load kind, target); every target gets the same headers."""
    cookie = {"Cookie": run.cookie}
    original = original_key(run.library.original_id)
    made = {}
    for target in TARGETS:
        ranges = [Spec(_path(target, original, run), cookie | {"Range": r}) for r in _ranges(args)]
        segments = [Spec(_path(target, k, run), cookie) for k in run.library.segment_keys]
        for kind, specs in (("range", ranges), ("hls", segments)):
            made[kind, target] = write_script(workdir / f"{kind}-{target}.lua", specs)
    return made


def base_url(run: Running, target: str) -> str:
    """Where wrk connects for ``target``."""
    return (run.direct if target == "nginx" else run.gateway) + "/"


CpuRound = dict[str, dict[str, dict[str, float]]]


def measure_once(
    wrk: str, run: Running, script: Path, target: Target, load: Load
) -> tuple[Measurement, dict[str, float]]:
    """One wrk run, and the CPU milliseconds per request the stream service and nginx used."""
    before = {name: cpu_seconds(pid) for name, pid in run.pids.items()}
    m = run_wrk(wrk, script, target, load)
    used = {name: cpu_seconds(pid) - before[name] for name, pid in run.pids.items()}
    return m, {name: seconds * 1000 / max(m.requests, 1) for name, seconds in used.items()}


def measure_target(
    wrk: str, run: Running, script: Path, key: str, clients: int, args: argparse.Namespace
) -> tuple[Measurement, dict[str, float]]:
    """Warm up, then measure one target under one load; report it on stderr."""
    target = Target(key, TARGETS[key], base_url(run, key))
    run_wrk(wrk, script, target, Load(clients, 2, args.warmup))
    m, costs = measure_once(wrk, run, script, target, Load(clients, 2, args.seconds))
    say(
        f"    {target.label:27} {m.requests_per_s:8,.0f} req/s "
        f"p50 {m.p50_ms:6.1f} ms p99 {m.p99_ms:6.1f} ms"
        + (f"  ERRORS {m.errors + m.status_errors + m.timeouts}" if _failed(m) else "")
    )
    return m, costs


def measure(
    wrk: str, run: Running, made: dict[tuple[str, str], Path], args: argparse.Namespace
) -> tuple[list[Round], list[CpuRound]]:
    """Every round: each load against each target, in alternating order."""
    rounds: list[Round] = []
    cpu: list[CpuRound] = []
    for number in range(1, args.rounds + 1):
        say(f"round {number} of {args.rounds}")
        order = list(TARGETS) if number % 2 else list(reversed(TARGETS))
        one: Round = {}
        one_cpu: CpuRound = {}
        for kind, clients in itertools.product(("range", "hls"), args.connection_counts):
            scenario = f"{kind}-{clients}"
            say(f"  {scenario}")
            one[scenario], one_cpu[scenario] = {}, {}
            for key in order:
                m, costs = measure_target(wrk, run, made[kind, key], key, clients, args)
                one[scenario][key], one_cpu[scenario][key] = m, costs
        rounds.append(one)
        cpu.append(one_cpu)
    return rounds, cpu


def _failed(m: Measurement) -> bool:
    return bool(m.errors or m.status_errors or m.timeouts)


def problems(rounds: list[Round]) -> list[str]:
    """Every run in which wrk saw an error, a timeout or an error status."""
    return [
        f"round {n}, {scenario}, {TARGETS[key]}: {m.errors} socket errors, "
        f"{m.status_errors} error statuses, {m.timeouts} timeouts"
        for n, one in enumerate(rounds, 1)
        for scenario, by in one.items()
        for key, m in by.items()
        if _failed(m)
    ]


def _forget_redis_keys(args: argparse.Namespace) -> None:
    if args.redis_url:
        client = redis.Redis.from_url(args.redis_url)
        for key in client.scan_iter(match=f"{args.redis_prefix}*", count=1000):
            client.delete(key)


def benchmark(args: argparse.Namespace, nginx: str, wrk: str) -> dict[str, Any]:
    """Prepare, start, check and measure; every server is stopped whatever happens."""
    with tempfile.TemporaryDirectory(prefix="vidstream-gateway-") as tmp, ExitStack() as stack:
        stack.callback(_forget_redis_keys, args)
        workdir = Path(tmp)
        source = workdir / "large.bin"
        say(f"writing a {args.size_mib} MiB file; processing a {args.clip_seconds} s clip")
        make_source(source, args)
        run = start_servers(stack, workdir, source, nginx, args)
        check_everything(run, args.offset_mib * MIB, args.range_kib * 1024)
        made = scripts(run, args, workdir)
        before = load_average()
        rounds, cpu = measure(wrk, run, made, args)
        segments = run.library.segment_keys
        return {
            "rounds": rounds,
            "cpu_ms_per_request": cpu,
            "segments": len(segments),
            "renditions": len({key.split("/")[3] for key in segments}),
            "segment_bytes": sum((run.media_root / k).stat().st_size for k in segments),
            "load_average": {"before": before, "after": load_average()},
            "issues": problems(rounds),
        }


def publish(args: argparse.Namespace, facts: dict[str, str], result: dict[str, Any]) -> None:
    """Write the raw JSON and, unless told not to, the docs section."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    raw = {
        "when_utc": stamp,
        "machine": facts,
        "parameters": {k: v for k, v in vars(args).items() if k != "redis_prefix"},
        **{k: v for k, v in result.items() if k != "rounds"},
        "rounds": [
            {s: {k: m.as_dict() for k, m in by.items()} for s, by in one.items()}
            for one in result["rounds"]
        ],
    }
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    path = OUT_DIR / f"gateway-{stamp}.json"
    path.write_text(json.dumps(raw, indent=2) + "\n")
    say(f"raw figures: {path.relative_to(ROOT)}")
    if not args.no_docs:
        update_section(DOC, "gateway", render_section(facts, args, result, TARGETS))
        say(f"table: {DOC.relative_to(ROOT)}")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; 0 when clean, 1 when wrk saw errors, 2 when it could not run."""
    args = parse_args(argv)
    try:
        with sigterm_interrupts():
            nginx, wrk = find_tools()
            result = benchmark(args, nginx, wrk)
    except BenchError as error:
        say(f"bench: {error}")
        return 2
    except KeyboardInterrupt:
        say("bench: interrupted; every server was stopped")
        return 130
    publish(args, machine_facts(nginx, wrk), result)
    for issue in result["issues"]:
        say(f"warning: {issue}")
    return 1 if result["issues"] else 0
