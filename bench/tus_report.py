"""The docs section of the resumable-upload benchmark (``bench/tus_upload.py``)."""

from __future__ import annotations

import argparse
import os
import platform
from pathlib import Path
from typing import Any

TARGET_RATIO = 0.5
TARGET_RSS_MIB = 200


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()


def _per_round(run: dict[str, Any], args: argparse.Namespace) -> list[str]:
    size = args.large_mib
    return [
        f"| {i} | {size / r['cp_seconds']:,.0f} | {size / r['cp_sync_seconds']:,.0f} | "
        f"{size / r['curl']['seconds']:,.0f} | {r['cp_seconds'] / r['curl']['seconds']:.2f} | "
        f"{size / r['large']['seconds']:,.0f} | "
        f"{r['small']['rss_peak_mib']:.0f} | {r['large']['rss_peak_mib']:.0f} |"
        for i, r in enumerate(run["rounds"], 1)
    ]


def _verdict(summary: dict[str, float], args: argparse.Namespace) -> list[str]:
    speed = (
        "met in every round"
        if summary["ratio_min"] >= TARGET_RATIO
        else "met by the median"
        if summary["ratio"] >= TARGET_RATIO
        else "missed"
    )
    memory_ok = max(summary["rss_small_mib"], summary["rss_large_mib"]) < TARGET_RSS_MIB
    same = abs(summary["rss_large_mib"] - summary["rss_small_mib"]) < 16
    return [
        f"Medians: `cp` {summary['cp_mib_s']:,.0f} MiB/s ({summary['cp_sync_mib_s']:,.0f} MiB/s "
        f"until synced to disk), tus with curl {summary['tus_mib_s']:,.0f} MiB/s: tus ran "
        f"at **{summary['ratio']:.2f}x** the copy's throughput (rounds: "
        f"{summary['ratio_min']:.2f}-{summary['ratio_max']:.2f}x; against the fastest copy "
        f"of the run, {summary['ratio_fastest_cp']:.2f}x; against the copy made durable, "
        f"{summary['ratio_sync']:.2f}x). Target at least {TARGET_RATIO}x: {speed}. With "
        f"tuspy as the client, {summary['tuspy_mib_s']:,.0f} MiB/s "
        f"({summary['ratio_tuspy']:.2f}x): the Python client, reading each chunk into memory "
        "and sending it from there, is then the slower end.",
        "",
        f"Peak worker memory: {summary['rss_small_mib']:.0f} MiB for {args.small_mib} MiB and "
        f"{summary['rss_large_mib']:.0f} MiB for {args.large_mib} MiB, against "
        f"{summary['rss_idle_mib']:.0f} MiB idle. Target under {TARGET_RSS_MIB} MiB and the "
        f"same for both: {'met' if memory_ok and same else 'missed'}.",
    ]


def render_section(summary: dict[str, float], run: dict[str, Any], args: argparse.Namespace) -> str:
    """The docs section for this benchmark."""
    return "\n".join(
        [
            "## Resumable uploads (tus): throughput and memory",
            "",
            f"`python -m bench tus` generates a {args.large_mib} MiB and a "
            f"{args.small_mib} MiB MP4 (a short clip plus a `free` box), then, round by round, "
            "copies the large one with `cp` on the same disk and uploads it twice through "
            "the tus protocol (Bearer token) to a fresh `vidstream serve --service upload "
            f"--workers 1 --threads {args.threads} --no-worker`: with curl sending the whole "
            "file in one PATCH (the server's throughput: curl streams from disk and does little "
            f"else) and with tuspy ({args.chunk_mib} MiB per PATCH); the small file is "
            "uploaded with tuspy for the memory figure. An upload's time runs from the "
            "creation request to the answer of the last PATCH, so it includes fsyncs every "
            "16 MiB, validation (PyAV probe) and storing; every stored file is checked against "
            "the source's SHA-256. Under gunicorn the upload service moves a PATCH body from "
            "the socket to the file with `splice(2)` "
            "(src/vidstream/services/upload/socket_body.py). `cp` (which copies inside the "
            "kernel, with `copy_file_range`) is timed alone and until `sync` returns. Peak "
            "memory is the gunicorn worker's VmHWM after the upload. Raw figures: "
            "`bench/out/tus-<time>.json`.",
            "",
            f"- Machine: {_cpu_model()}, {os.cpu_count()} cores, Linux {platform.release()}, "
            f"Python {platform.python_version()}; 1-minute load average "
            f"{run['load_average']['before']} before and {run['load_average']['after']} after.",
            "",
            "| round | cp MiB/s | cp + sync MiB/s | tus (curl) MiB/s | tus ÷ cp | "
            "tus (tuspy) MiB/s | peak RSS, small (MiB) | peak RSS, large (MiB) |",
            "|--:|--:|--:|--:|--:|--:|--:|--:|",
            *_per_round(run, args),
            "",
            *_verdict(summary, args),
        ]
    )
