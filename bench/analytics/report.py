"""The ``analytics`` section of docs/benchmarks.md."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bench.common.report import render

TEMPLATE = Path(__file__).with_name("report.md.tmpl")


def render_section(args: argparse.Namespace, r: dict[str, Any], raw: Path, target: float) -> str:
    """The section's Markdown, from the run's results."""
    q = r["query"]
    return render(
        TEMPLATE,
        seconds=args.seconds,
        connections=args.connections,
        beacon_threads=args.beacon_threads,
        viewers=args.viewers,
        workers=args.workers,
        threads=args.threads,
        alone=f"{r['ranges_alone']['requests_per_s']:,.0f}",
        together=f"{r['ranges_with_beacons']['requests_per_s']:,.0f}",
        ratio=f"{r['ratio']:.2f}",
        target=target,
        verdict="met" if r["paced_ratio"] >= target else "not met",
        rounds=len(r["paced_rounds"]),
        paced_alone=_figures(r, "alone", "requests_per_s"),
        paced=_figures(r, "with_beacons", "requests_per_s"),
        paced_ratios=", ".join(f"{x['ratio']:.2f}" for x in r["paced_rounds"]),
        paced_ratio=f"{r['paced_ratio']:.2f}",
        paced_rate=f"{args.paced_rate:,.0f}",
        beacons_paced=", ".join(f"{x['beacons']['per_second']:,.0f}" for x in r["paced_rounds"]),
        beacons=f"{r['beacons_alone']['per_second']:,.0f}",
        beacons_refused=r["beacons_alone"]["refused"],
        beacons_beside=f"{r['beacons_beside']['per_second']:,.0f}",
        ranges=f"{q['ranges']:,}",
        fill=f"{q['fill_s']:.0f}",
        live_p50=f"{q['live']['p50_ms']:,.0f}",
        live_p99=f"{q['live']['p99_ms']:,.0f}",
        rollup=f"{q['rollup_s']:.1f}",
        rolled_p50=f"{q['rolled']['p50_ms']:.1f}",
        rolled_p99=f"{q['rolled']['p99_ms']:.1f}",
        load=f"{r['load_average']['before']} → {r['load_average']['after']}",
        cpu=r["machine"].get("cpu", ""),
        raw=raw.name,
    )


def _figures(r: dict[str, Any], part: str, name: str) -> str:
    """One figure of each paced round, in order."""
    return ", ".join(f"{x[part][name]:,.0f}" for x in r["paced_rounds"])
