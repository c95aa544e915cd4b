"""The ``load`` sections of docs/benchmarks.md and docs/reliability.md: figures for the
templates beside this file (``report.md.tmpl``, ``reliability.md.tmpl``)."""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.common.files import MIB
from bench.common.report import render
from bench.common.tables import percentile

TEMPLATE = Path(__file__).with_name("report.md.tmpl")
RELIABILITY = Path(__file__).with_name("reliability.md.tmpl")
STORES = {
    "embedded": "embedded (SQLite, sessions in files)",
    "external": "MariaDB + Redis",
}
COMMAND = "`.venv/bin/python -m bench load`"


def upload_figures(result: Mapping[str, Any], seconds: int) -> dict[str, float]:
    """The uploaders' tallies added up: counts, throughput and PATCH latencies."""
    tallies = result["uploads"]
    patches = [s for t in tallies for s in t["patch_seconds"]]
    sent = sum(t["patch_bytes"] for t in tallies)
    return {
        "uploads": sum(t["uploads"] for t in tallies),
        "deletes": sum(t["deletes"] for t in tallies),
        "patches": len(patches),
        "mib_per_s": sent / MIB / seconds,
        "p50_ms": percentile(patches, 50) * 1000,
        "p99_ms": percentile(patches, 99) * 1000,
        "errors": sum(len(t["errors"]) for t in tallies),
    }


def viewer_failures(result: Mapping[str, Any]) -> int:
    """Viewer requests that failed: socket errors, timeouts, error statuses, and answers
    other than a 200 or 206 with the bytes asked for (runs before the check count 0)."""
    v = result["viewers"]
    checked = v.get("other_statuses", 0) + v.get("wrong_bodies", 0)
    return int(v["errors"] + v["status_errors"] + v["timeouts"] + checked)


def _ran(results: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [r for r in results if "skipped" not in r]


def _skipped(results: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [r for r in results if "skipped" in r]


def _viewer_rows(results: Sequence[Mapping[str, Any]]) -> list[str]:
    rows = []
    for r in _ran(results):
        v = r["viewers"]
        rows.append(
            f"| {STORES[r['mode']]} | {v['requests']:,} | {v['requests_per_s']:,.0f} | "
            f"{v['mb_per_s']:,.0f} | {v['p50_ms']:,.1f} | {v['p99_ms']:,.1f} | "
            f"{viewer_failures(r)} |"
        )
    return rows


def _upload_rows(results: Sequence[Mapping[str, Any]], seconds: int) -> list[str]:
    rows = []
    for r in _ran(results):
        u = upload_figures(r, seconds)
        rows.append(
            f"| {STORES[r['mode']]} | {u['uploads']:,.0f} | {u['patches']:,.0f} | "
            f"{u['mib_per_s']:,.1f} | {u['p50_ms']:,.0f} | {u['p99_ms']:,.0f} | "
            f"{u['errors']:,.0f} | {r['errors_logged']} |"
        )
    return rows


def _waits(args: argparse.Namespace, ran: Sequence[Mapping[str, Any]]) -> str:
    """By Little's law, how long a viewer's request waits on average, per mode."""
    return ", ".join(
        f"{args.viewers / r['viewers']['requests_per_s'] * 1000:,.0f} ms ({r['mode']})" for r in ran
    )


def _mode_line(r: Mapping[str, Any], seconds: int) -> str:
    v, u = r["viewers"], upload_figures(r, seconds)
    failed = viewer_failures(r) + int(u["errors"])
    return (
        f"- {STORES[r['mode']]}: **{failed} failed requests** of {v['requests']:,} viewer "
        f"requests and {u['patches']:,.0f} PATCHes ({u['uploads']:,.0f} uploads); viewers "
        f"p50 {v['p50_ms']:,.1f} ms, p99 {v['p99_ms']:,.1f} ms; PATCH p99 "
        f"{u['p99_ms']:,.0f} ms; errors logged by the server and its job worker: "
        f"{r['errors_logged']}."
    )


def render_section(
    facts: Mapping[str, str], args: argparse.Namespace, results: Sequence[Mapping[str, Any]]
) -> str:
    """Markdown for docs/benchmarks.md: the setting, then one row per store."""
    ran = _ran(results)
    skipped = [
        f"The {r['mode']} run was skipped: {r['skipped']}." for r in results if "skipped" in r
    ]
    return render(
        TEMPLATE,
        **facts,
        **vars(args),
        command=COMMAND,
        loads=", ".join(
            f"{r['load_average']['before']} before and {r['load_average']['after']} after "
            f"the {r['mode']} run"
            for r in ran
        ),
        viewer_rows="\n".join(_viewer_rows(results)),
        waits=_waits(args, ran),
        upload_rows="\n".join(_upload_rows(results, args.seconds)),
        skipped="\n\n" + "\n".join(skipped) if skipped else "",
    )


def render_reliability(args: argparse.Namespace, results: Sequence[Mapping[str, Any]]) -> str:
    """The figures for the Load section of docs/reliability.md."""
    lines = [_mode_line(r, args.seconds) for r in _ran(results)]
    lines += [f"- {r['mode']}: not run ({r['skipped']})." for r in _skipped(results)]
    return render(RELIABILITY, **vars(args), command=COMMAND, mode_lines="\n".join(lines))
