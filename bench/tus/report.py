"""The ``tus`` section of docs/benchmarks.md: figures for ``report.md.tmpl``."""

from __future__ import annotations

import argparse
import os
import platform
from pathlib import Path
from typing import Any

from bench.common.report import render
from bench.common.tables import row

TEMPLATE = Path(__file__).with_name("report.md.tmpl")
TARGET_RATIO = 0.5
TARGET_RSS_MIB = 200


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()


def _per_round(run: dict[str, Any], args: argparse.Namespace) -> str:
    size = args.large_mib
    rows = []
    for i, r in enumerate(run["rounds"], 1):
        copy, curl = r["cp_seconds"], r["curl"]["seconds"]
        rows.append(row([
            i, f"{size / copy:,.0f}", f"{size / r['cp_sync_seconds']:,.0f}", f"{size / curl:,.0f}",
            f"{copy / curl:.2f}", f"{size / r['large']['seconds']:,.0f}",
            f"{r['small']['rss_peak_mib']:.0f}", f"{r['large']['rss_peak_mib']:.0f}",
        ]))  # fmt: skip
    return "\n".join(rows)


def speed_verdict(summary: dict[str, float]) -> str:
    """Whether tus reached TARGET_RATIO of cp's throughput in every round, the median, or not."""
    if summary["ratio_min"] >= TARGET_RATIO:
        return "met in every round"
    return "met by the median" if summary["ratio"] >= TARGET_RATIO else "missed"


def memory_verdict(summary: dict[str, float]) -> str:
    """Whether the worker stayed under TARGET_RSS_MIB, as much for a small as a large file."""
    under = max(summary["rss_small_mib"], summary["rss_large_mib"]) < TARGET_RSS_MIB
    same = abs(summary["rss_large_mib"] - summary["rss_small_mib"]) < 16
    return "met" if under and same else "missed"


def render_section(summary: dict[str, float], run: dict[str, Any], args: argparse.Namespace) -> str:
    """The docs section for this benchmark."""
    throughputs = ("cp_mib_s", "cp_sync_mib_s", "tus_mib_s", "tuspy_mib_s")
    memory = ("rss_small_mib", "rss_large_mib", "rss_idle_mib")
    ratios = ("ratio", "ratio_min", "ratio_max", "ratio_fastest_cp", "ratio_sync", "ratio_tuspy")
    figures = {
        **{k: f"{summary[k]:,.0f}" for k in throughputs},
        **{k: f"{summary[k]:.0f}" for k in memory},
        **{k: f"{summary[k]:.2f}" for k in ratios},
    }
    return render(
        TEMPLATE,
        **figures,
        large_mib=args.large_mib,
        small_mib=args.small_mib,
        threads=args.threads,
        chunk_mib=args.chunk_mib,
        cpu=_cpu_model(),
        cores=os.cpu_count(),
        kernel=platform.release(),
        python=platform.python_version(),
        load_before=run["load_average"]["before"],
        load_after=run["load_average"]["after"],
        per_round=_per_round(run, args),
        target_ratio=TARGET_RATIO,
        speed_verdict=speed_verdict(summary),
        target_rss=TARGET_RSS_MIB,
        memory_verdict=memory_verdict(summary),
    )
