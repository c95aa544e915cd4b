"""The ``load`` sections of docs/benchmarks.md and docs/reliability.md."""

from __future__ import annotations

import argparse
import math
from collections.abc import Mapping, Sequence
from typing import Any

MIB = 1024 * 1024
STORES = {
    "embedded": "embedded (SQLite, sessions in files)",
    "external": "MariaDB + Redis",
}
COMMAND = "`.venv/bin/python -m bench load`"


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in 0-100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share / 100 * len(ordered)) - 1)]


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
    """Viewer requests that failed: socket errors, timeouts, statuses outside 2xx/3xx."""
    v = result["viewers"]
    return int(v["errors"] + v["status_errors"] + v["timeouts"])


def _ran(results: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [r for r in results if "skipped" not in r]


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


def _saturation(args: argparse.Namespace, ran: Sequence[Mapping[str, Any]]) -> str:
    """Why the viewers' latency is what it is: a saturated server shares itself out."""
    waits = ", ".join(
        f"{args.viewers / r['viewers']['requests_per_s'] * 1000:,.0f} ms ({r['mode']})" for r in ran
    )
    return (
        "Every viewer connection asks again as soon as it is answered, so the server is "
        "saturated throughout, and by Little's law a request waits about connections ÷ "
        f"rate on average: {waits}. The latencies measure how fairly a full server "
        "shares itself out; the rate is what the two cores could do while also running "
        "wrk, the uploaders and the uploads' validation."
    )


def _setup(args: argparse.Namespace) -> str:
    return (
        f"`python -m bench load` starts a fresh `vidstream serve` on 127.0.0.1 with its "
        "defaults (every service, gunicorn gthread with 2 workers x 16 threads, the job "
        f"worker beside it) and loads it for {args.seconds} s from a cold start, with no "
        f"warm-up. **Viewers:** wrk, {args.viewers} connections on 2 threads, each request a "
        f"random range of {args.min_kib}-{args.max_kib} KiB of one of {args.videos} videos "
        f"of {args.video_mib} MiB, sent with the session cookie of the video's owner "
        f"({args.videos} accounts, signed in over HTTP). **Uploaders:** {args.uploaders} "
        "threads of the benchmark's process, each with its own account and access token, "
        f"upload a {args.upload_mib} MiB MP4 with tuspy in {args.chunk_mib} MiB PATCHes, "
        "delete the new video through the API and start again (the job worker therefore "
        "has little to render; `bench pipeline` measures processing). The rate limits "
        "stay at their defaults: uploads and API calls are counted per account, and media "
        "requests are exempt, so one account per uploader keeps every request within them."
        " A failed request is a socket error, a timeout or any status outside 2xx/3xx; "
        "before the load each viewer is checked to get its video's bytes, and another "
        "viewer's video to answer 404."
    )


def render_section(
    facts: Mapping[str, str], args: argparse.Namespace, results: Sequence[Mapping[str, Any]]
) -> str:
    """Markdown for docs/benchmarks.md: the setting, then one row per store."""
    ran = _ran(results)
    loads = ", ".join(
        f"{r['load_average']['before']} before and {r['load_average']['after']} after "
        f"the {r['mode']} run"
        for r in ran
    )
    skipped = [
        f"The {r['mode']} run was skipped: {r['skipped']}." for r in results if "skipped" in r
    ]
    return "\n".join(
        [
            f"## Under load: {args.viewers} viewers and {args.uploaders} uploaders",
            "",
            _setup(args),
            "",
            f"Reproduce with {COMMAND} (`--help` lists the knobs; `--modes embedded` skips "
            "MariaDB + Redis). Raw figures: `bench/out/load-<time>.json`.",
            "",
            f"- Machine: {facts['cpu']}, {facts['cores']} cores, {facts['memory']} RAM, Linux "
            f"{facts['kernel']}, Python {facts['python']}, gunicorn {facts['gunicorn']}, "
            f"{facts['wrk']}. The server, wrk and the uploaders share these cores, and so "
            f"did other work on the machine: 1-minute load average {loads}.",
            "",
            "Viewers (latencies are wrk's, per request):",
            "",
            "| stores | requests | req/s | MB/s | p50 ms | p99 ms | failed |",
            "|---|--:|--:|--:|--:|--:|--:|",
            *_viewer_rows(results),
            "",
            _saturation(args, ran),
            "",
            "Uploaders (a PATCH's time runs from sending its first byte to its answer; "
            "errors logged counts the ERROR lines the server and its job worker wrote):",
            "",
            "| stores | uploads finished | PATCHes | MiB/s, all uploaders | PATCH p50 ms "
            "| PATCH p99 ms | failed | errors logged |",
            "|---|--:|--:|--:|--:|--:|--:|--:|",
            *_upload_rows(results, args.seconds),
            *(["", *skipped] if skipped else []),
        ]
    )


def render_reliability(args: argparse.Namespace, results: Sequence[Mapping[str, Any]]) -> str:
    """The figures for the Load section of docs/reliability.md."""
    lines = []
    for r in _ran(results):
        v, u = r["viewers"], upload_figures(r, args.seconds)
        failed = viewer_failures(r) + int(u["errors"])
        lines.append(
            f"- {STORES[r['mode']]}: **{failed} failed requests** of {v['requests']:,} viewer "
            f"requests and {u['patches']:,.0f} PATCHes ({u['uploads']:,.0f} uploads); viewers "
            f"p50 {v['p50_ms']:,.1f} ms, p99 {v['p99_ms']:,.1f} ms; PATCH p99 "
            f"{u['p99_ms']:,.0f} ms; errors logged by the server and its job worker: "
            f"{r['errors_logged']}."
        )
    lines += [f"- {r['mode']}: not run ({r['skipped']})." for r in results if "skipped" in r]
    return "\n".join(
        [
            f"Last run: {args.viewers} viewers making Range requests and {args.uploaders} "
            f"looping tus uploaders for {args.seconds} s against a freshly started "
            f"`vidstream serve` with default settings, reproduced with {COMMAND} "
            "(docs/benchmarks.md describes the load in full and gives every figure). The "
            "machine had 2 cores, shared with other work.",
            "",
            *lines,
        ]
    )
