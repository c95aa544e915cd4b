"""``python -m bench gateway``: media through the nginx gateway, both ways it offers.

By the signed links the stream service hands out after its access check (nginx checks
them with ``secure_link``, no upstream request), and by X-Accel-Redirect (the stream
service authorises every request, nginx sends the file). Both against the same nginx
sending the same files from a plain location. Two loads: 1 MiB ranges of a large file
at random MiB-aligned offsets around ``--offset-mib``, and whole HLS segments of a clip
the real pipeline processed, each at every ``--connections`` count. Rounds alternate
the order. Every measured run follows a checked run of the same load, in which any
answer other than a 200 or 206 with the asked-for bytes (a redirect included) fails.
Figures go to ``bench/out/gateway-<time>.json`` and to the ``gateway`` section of
``docs/benchmarks.md``; the exit status is 1 when any request failed.
"""

from __future__ import annotations

import argparse
import random
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import redis

from bench.common.benchmark import FAILED, PASSED, Benchmark
from bench.common.files import MIB, write_random_file
from bench.common.procs import find_tools
from bench.common.report import (
    DOC,
    load_average,
    machine_facts,
    say,
    update_section,
    utc_stamp,
    write_json,
)
from bench.gateway.checks import check_everything
from bench.gateway.measure import TARGETS, measure, problems, scripts
from bench.gateway.report import render_section
from bench.gateway.setup import start_servers


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Command-line knobs; the defaults are the documented run."""
    add = parser.add_argument
    add("--size-mib", type=int, default=256, help="size of the large file")
    add("--offset-mib", type=int, default=100, help="middle of the range offsets")
    add("--spread-mib", type=int, default=16, help="offsets lie within this many MiB of it")
    add("--range-kib", type=int, default=1024, help="length of each range")
    add("--clip-seconds", type=int, default=40, help="length of the clip for HLS")
    add("--connections", default="16,64", help="concurrent clients, comma-separated")
    add("--seconds", type=int, default=10, help="length of each measured run")
    add("--warmup", type=int, default=2, help="length of the checked run before each")
    add("--rounds", type=int, default=3, help="how many times to measure every server")
    add("--workers", type=int, default=2, help="gunicorn workers of the stream service")
    add("--threads", type=int, default=16, help="gunicorn threads per worker")
    add("--nginx-workers", default="auto", help="nginx worker_processes")
    add("--access-log", action="store_true", help="let nginx write an access log")
    add("--redis-url", help="keep sessions and the media cache in this Redis")


def check(args: argparse.Namespace) -> str | None:
    """Every range inside the file, and a list of client counts; sets the derived values."""
    args.redis_prefix = f"vidstream-bench-{random.randrange(16**8):08x}:"
    try:
        args.connection_counts = [int(c) for c in args.connections.split(",")]
    except ValueError:
        return "--connections takes comma-separated numbers"
    if (args.offset_mib + args.spread_mib) * MIB + args.range_kib * 1024 > args.size_mib * MIB:
        return "every range must lie inside the file"
    if args.spread_mib > args.offset_mib:
        return "--spread-mib must not exceed --offset-mib"
    return None


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
        write_random_file(source, args.size_mib, seed=2024)
        run = start_servers(stack, workdir, source, nginx, args)
        check_everything(run, args.offset_mib * MIB, args.range_kib * 1024)
        made = scripts(run, args, workdir)
        before = load_average()
        rounds = measure(wrk, run, made, args)
        segments = run.library.segment_keys
        return {
            "rounds": rounds.measured,
            "checked_rounds": rounds.checked,
            "cpu_ms_per_request": rounds.cpu,
            "segments": len(segments),
            "renditions": len({key.split("/")[3] for key in segments}),
            "segment_bytes": sum((run.media_root / k).stat().st_size for k in segments),
            "load_average": {"before": before, "after": load_average()},
            "issues": problems(rounds, made),
        }


def publish(args: argparse.Namespace, facts: dict[str, str], result: dict[str, Any]) -> None:
    """Write the raw JSON and, unless told not to, the docs section."""
    stamp = utc_stamp()
    runs = ("rounds", "checked_rounds")
    raw = {
        "when_utc": stamp,
        "machine": facts,
        "parameters": {k: v for k, v in vars(args).items() if k != "redis_prefix"},
        **{k: v for k, v in result.items() if k not in runs},
        **{
            name: [
                {s: {k: m.as_dict() for k, m in by.items()} for s, by in one.items()}
                for one in result[name]
            ]
            for name in runs
        },
    }
    write_json("gateway", stamp, raw)
    if not args.no_docs:
        update_section(DOC, "gateway", render_section(facts, args, result, TARGETS))
        say(f"table: {DOC.name}")


def run(args: argparse.Namespace) -> int:
    """Measure and publish; FAILED when any request failed, in a checked or measured run."""
    nginx, wrk = find_tools()
    result = benchmark(args, nginx, wrk)
    publish(args, machine_facts(nginx, wrk), result)
    for issue in result["issues"]:
        say(f"warning: {issue}")
    return FAILED if result["issues"] else PASSED


BENCHMARK = Benchmark(
    name="gateway",
    summary="media through the nginx gateway: signed links and X-Accel-Redirect against nginx",
    description=__doc__ or "",
    add_arguments=add_arguments,
    run=run,
    check=check,
)
