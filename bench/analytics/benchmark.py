"""``python -m bench analytics``: beacons per second, the byte path beside them, stats queries.

Serves a public video from ``vidstream serve`` (embedded stores), then measures 1 MiB
range requests alone (wrk), beacons alone (keep-alive Python clients, each beacon from
one of many viewers' real page tokens), and both at once: the range rate with beacons
beside it as a share of the rate without (target at least 0.9, reported). Last, the
stats query of a video with 1,000,000 raw ranges, before and after its day is rolled
up. Writes ``bench/out/analytics-<time>.json`` and the ``analytics`` section of
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
from contextlib import ExitStack
from pathlib import Path
from statistics import median
from typing import Any

from sqlalchemy import select, update

from bench.analytics.load import BeaconCount, send_beacons, viewer_tokens
from bench.analytics.query import measure_query
from bench.analytics.report import render_section
from bench.common.benchmark import PASSED, Benchmark
from bench.common.files import MIB, write_random_file
from bench.common.procs import embedded_env, find_tools
from bench.common.report import (
    DOC,
    load_average,
    machine_facts,
    say,
    update_section,
    utc_stamp,
    write_json,
)
from bench.common.wrk import Load, Measurement, run_wrk, write_hook
from bench.range.servers import start_embedded
from vidstream import create_app
from vidstream.config import load_settings
from vidstream.extensions import db
from vidstream.media_index import forget_media
from vidstream.models import Video, Visibility

TARGET_RATIO = 0.9


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The benchmark's options."""
    parser.add_argument("--seconds", type=int, default=10, help="each measured run (10)")
    parser.add_argument(
        "--connections", type=int, default=16, help="wrk connections, as the range benchmark (16)"
    )
    parser.add_argument("--beacon-threads", type=int, default=4, help="beacon clients (4)")
    parser.add_argument("--viewers", type=int, default=300, help="viewer tokens (300)")
    parser.add_argument("--rounds", type=int, default=3, help="paced rounds (3)")
    parser.add_argument(
        "--paced-rate",
        type=float,
        default=30.0,
        help="beacons a second in the paced run: 300 players, one beacon each 10 s (30)",
    )
    parser.add_argument("--ranges", type=int, default=1_000_000, help="raw ranges (1e6)")
    parser.add_argument("--repeats", type=int, default=30, help="stats queries timed (30)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument(
        "--threads", type=int, default=16, help="gunicorn threads, vidstream serve's default (16)"
    )


def _make_public(workdir: Path) -> None:
    app = create_app(load_settings(embedded_env(workdir / "data")))
    with app.app_context():
        db.session.execute(
            update(Video).values(visibility=Visibility.PUBLIC, duration_seconds=3600.0)
        )
        db.session.commit()
        # Written past the app, so the running server is told, as the app's own edits do.
        for public_id in db.session.scalars(select(Video.public_id)):
            forget_media(public_id)
        db.engine.dispose()


def _beacons_for(
    seconds: int, base: str, path: str, tokens: list[str], threads: int
) -> BeaconCount:
    stop = threading.Event()
    timer = threading.Timer(seconds, stop.set)
    timer.start()
    return send_beacons(base, path, tokens, threads, stop)


def _beside(
    wrk: str,
    hook: Path,
    target: Any,
    load: Load,
    base: str,
    path: str,
    tokens: list[str],
    args: argparse.Namespace,
    rate: float,
) -> tuple[Measurement, BeaconCount]:
    """One wrk run of the byte path with beacons sent beside it (``rate`` 0: flat out)."""
    stop = threading.Event()
    result: dict[str, BeaconCount] = {}
    beside = threading.Thread(
        target=lambda: result.setdefault(
            "b", send_beacons(base, path, tokens, args.beacon_threads, stop, rate)
        )
    )
    beside.start()
    measured: Measurement = run_wrk(wrk, hook, target, load)
    stop.set()
    beside.join()
    return measured, result["b"]


def measure(args: argparse.Namespace, wrk: str) -> dict[str, Any]:
    """Serve, load and time everything; stop every server whatever happens."""
    with tempfile.TemporaryDirectory(prefix="vidstream-bench-") as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        source = workdir / "source.mp4"
        write_random_file(source, 64, seed=1)
        # The owner's URL.
        # Every viewer's page comes from this one address here (in the field each has
        # its own), so the per-address page limit is raised for the run.
        pages = {"VIDSTREAM_LIMIT_API_USER": "100000/minute"}
        target = start_embedded(
            stack, workdir, source, args.workers, args.threads, full_path=False, extra_env=pages
        )[0]
        _make_public(workdir)
        base = target.url.split("/media/")[0]
        public_id = target.url.split("/media/")[1].split("/")[0]
        say(f"viewer tokens: {2 * args.viewers} per flat-out run, {args.viewers} paced")
        # Each run has viewers of its own, twice as many for the flat-out runs: a run
        # fills its viewers' per-minute caps, and a capped beacon is refused, not counted.
        path, tokens = viewer_tokens(base, public_id, 2 * args.viewers)
        _, flood_tokens = viewer_tokens(base, public_id, 2 * args.viewers)
        _, paced_tokens = viewer_tokens(base, public_id, args.viewers)
        hook = write_hook(workdir)
        load = Load(args.connections, 1, args.seconds, f"bytes={8 * MIB}-{9 * MIB - 1}")
        run_wrk(wrk, hook, target, Load(args.connections, 1, 2, load.range_header))
        alone: Measurement = run_wrk(wrk, hook, target, load)
        say(f"ranges alone: {alone.requests_per_s:,.0f} req/s")
        beacons_alone = _beacons_for(args.seconds, base, path, tokens, args.beacon_threads)
        say(f"beacons alone: {beacons_alone.per_second:,.0f}/s accepted")
        together, flood = _beside(wrk, hook, target, load, base, path, flood_tokens, args, 0.0)
        say(f"ranges with beacons flooding: {together.requests_per_s:,.0f} req/s")
        # The paced target's ratio: rounds of (alone, paced) back to back, so a change
        # in the machine's other load hits both halves of a round alike.
        rounds: list[tuple[Measurement, Measurement, BeaconCount]] = []
        for _ in range(args.rounds):
            alone_now: Measurement = run_wrk(wrk, hook, target, load)
            paced, at_pace = _beside(
                wrk, hook, target, load, base, path, paced_tokens, args, args.paced_rate
            )
            rounds.append((alone_now, paced, at_pace))
            say(
                f"round: alone {alone_now.requests_per_s:,.0f} req/s, with "
                f"{at_pace.per_second:,.0f} beacons/s {paced.requests_per_s:,.0f} req/s"
            )
    say(f"stats query with {args.ranges:,} raw ranges")
    with tempfile.TemporaryDirectory(prefix="vidstream-bench-") as tmp:
        query = measure_query(Path(tmp), args.ranges, args.repeats)
    return {
        "ranges_alone": alone.as_dict(),
        "ranges_with_beacons": together.as_dict(),
        "ratio": together.requests_per_s / alone.requests_per_s,
        "paced_rounds": [
            {
                "alone": a.as_dict(),
                "with_beacons": b.as_dict(),
                "beacons": vars(c) | {"per_second": c.per_second},
                "ratio": b.requests_per_s / a.requests_per_s,
            }
            for a, b, c in rounds
        ],
        "paced_ratio": median(b.requests_per_s / a.requests_per_s for a, b, _ in rounds),
        "beacons_alone": vars(beacons_alone) | {"per_second": beacons_alone.per_second},
        "beacons_beside": vars(flood) | {"per_second": flood.per_second},
        "query": query,
    }


def run(args: argparse.Namespace) -> int:
    """Measure, write the JSON and the docs section; the ratio target is reported."""
    nginx, wrk = find_tools()
    stamp = utc_stamp()
    before = load_average()
    results = measure(args, wrk)
    results["load_average"] = {"before": before, "after": load_average()}
    results["machine"] = machine_facts(nginx, wrk)
    raw = write_json("analytics", stamp, results)
    if not args.no_docs:
        update_section(DOC, "analytics", render_section(args, results, raw, TARGET_RATIO))
    say(
        f"byte path with beacons beside: {results['paced_ratio']:.2f}x paced, "
        f"{results['ratio']:.2f}x flat out (target {TARGET_RATIO})"
    )
    return PASSED


BENCHMARK = Benchmark(
    name="analytics",
    summary="beacons per second, the byte path beside them, stats query time",
    description=__doc__ or "",
    add_arguments=add_arguments,
    run=run,
)
