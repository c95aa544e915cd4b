"""The ``range`` section of docs/benchmarks.md: figures for ``report.md.tmpl``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bench.common.report import render
from bench.common.tables import ratio
from bench.range.figures import results_table, rounds_table

TEMPLATE = Path(__file__).with_name("report.md.tmpl")


def render_section(
    facts: dict[str, str],
    args: argparse.Namespace,
    run: dict[str, Any],
    share: float,
    target: float,
) -> str:
    """The docs section for this benchmark."""
    issues = run["issues"]
    loads = run["loads"]
    warning = f"\n\n**wrk reported problems in this run:** {'; '.join(issues)}." if issues else ""
    return render(
        TEMPLATE,
        **facts,
        **{k: v for k, v in vars(args).items() if k != "benchmark"},
        load_before=run["load_average"]["before"],
        load_after=run["load_average"]["after"],
        range_header=loads["range"].range_header,
        wrk_threads=loads["full"].threads,
        results_table=results_table(run["rounds"], run["targets"]),
        rounds_table=rounds_table(run["rounds"], run["targets"]),
        warning=warning,
        share=f"{share:.2f}",
        shared=ratio(run["rounds"], "range", "share", "requests_per_s", baseline="vidstream").show(
            2
        ),
        full_path=ratio(run["rounds"], "range", "fullpath", "requests_per_s").show(2),
        fast_gain=ratio(
            run["rounds"], "range", "vidstream", "requests_per_s", baseline="fullpath"
        ).show(2),
        target=target,
        verdict="met" if share >= target else "missed",
    )
