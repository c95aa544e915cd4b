"""The ``library`` section of docs/benchmarks.md: figures for ``report.md.tmpl``."""

from __future__ import annotations

import argparse
import os
import platform
from pathlib import Path
from typing import Any

from bench.common.report import render
from bench.common.tables import row

TEMPLATE = Path(__file__).with_name("report.md.tmpl")
SCENARIOS = {
    "library_page": "library page, newest first (`/stream`)",
    "library_page_title_sort": "library page, by title (`/stream?sort=title`)",
    "search_page": "search, page (`/stream?q=beach+sun`)",
    "search_api": "search, API (`/api/videos?q=beach+sun`)",
    "search_api_tag": "search + tag + sort, API",
    "healthz": "reference: `/healthz`",
    "bare_select": "reference: bare `SELECT` of one page",
}


def _rows(results: dict[str, Any]) -> str:
    lines = []
    for database, result in results.items():
        figures = result["scenarios"]
        health, bare = figures["healthz"]["p50_ms"], figures["bare_select"]["p50_ms"]
        for name, label in SCENARIOS.items():
            f = figures[name]
            lines.append(row([
                database, label, f"{f['p50_ms']:.2f}", f"{f['p99_ms']:.2f}",
                f"{f['p50_ms'] / health:.1f}x", f"{f['p50_ms'] / bare:.1f}x",
            ]))  # fmt: skip
    return "\n".join(lines)


def render_section(results: dict[str, Any], run: dict[str, Any], args: argparse.Namespace) -> str:
    """The docs section for this benchmark."""
    return render(
        TEMPLATE,
        videos=f"{args.videos:,}",
        others=f"{args.others:,}",
        requests=args.requests,
        databases=", ".join(results) or "none",
        cores=os.cpu_count(),
        python=platform.python_version(),
        load_before=run["load_average"]["before"],
        load_after=run["load_average"]["after"],
        rows=_rows(results),
    )
