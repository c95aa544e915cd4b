"""The ``gateway`` section of docs/benchmarks.md: figures for ``report.md.tmpl``."""

from __future__ import annotations

import argparse
import statistics
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bench.common.report import render
from bench.common.tables import Round, ratio, spread

TEMPLATE = Path(__file__).with_name("report.md.tmpl")
TARGET_RATIO = 0.8
# Issue 16's targets, per way and load kind: X-Accel-Redirect at 0.5x on segments, the
# app's own bytes at 0.6x on ranges and 0.4x on segments; signed links keep 0.8x.
TARGETS_BY_WAY = {
    "signed": {"range": TARGET_RATIO, "hls": TARGET_RATIO},
    "gateway": {"range": None, "hls": 0.5},
    "app": {"range": 0.6, "hls": 0.4},
}


def _scenarios(args: argparse.Namespace) -> list[tuple[str, str, int]]:
    return [
        (f"{kind}-{clients}", label, clients)
        for kind, label in (("range", f"{args.range_kib} KiB range"), ("hls", "HLS segment"))
        for clients in args.connection_counts
    ]


def results_table(rounds: list[Round], args: argparse.Namespace, targets: Mapping[str, str]) -> str:
    """One row per load and server: medians over the rounds, the ratio to nginx alone."""
    lines = [
        "| request | clients | server | req/s | MB/s | p50 ms | p99 ms | req/s ÷ direct |",
        "|---|--:|---|--:|--:|--:|--:|--:|",
    ]
    for scenario, label, clients in _scenarios(args):
        for key, name in targets.items():
            cells = [
                label,
                str(clients),
                name,
                spread(rounds, scenario, key, "requests_per_s").show(),
                spread(rounds, scenario, key, "mb_per_s").show(),
                spread(rounds, scenario, key, "p50_ms").show(1),
                spread(rounds, scenario, key, "p99_ms").show(1),
                ratio(rounds, scenario, key, "requests_per_s").show(2),
            ]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def rounds_table(rounds: list[Round], args: argparse.Namespace) -> str:
    """The signed links' and X-Accel-Redirect's req/s ÷ direct, round by round."""
    scenarios = _scenarios(args)
    head = " | ".join(f"{label}, {clients}" for _, label, clients in scenarios)
    lines = [f"| round | gateway | {head} |", "|--:|---|" + "--:|" * len(scenarios)]
    for number, one in enumerate(rounds, 1):
        ways = (("signed", "signed link"), ("gateway", "X-Accel-Redirect"), ("app", "app's own"))
        for key, name in ways:
            cells = [
                f"{one[s][key].requests_per_s / one[s]['nginx'].requests_per_s:.2f}"
                for s, _, _ in scenarios
            ]
            lines.append(f"| {number} | {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cpu(result: dict[str, Any], scenario: str, key: str, group: str) -> float:
    return statistics.median(float(r[scenario][key][group]) for r in result["cpu_ms_per_request"])


def cpu_table(result: dict[str, Any], args: argparse.Namespace) -> str:
    """CPU milliseconds per request of nginx and the stream service (round medians)."""
    lines = [
        "| request | clients | direct: nginx | signed link: nginx | X-Accel-Redirect: nginx "
        "| X-Accel-Redirect: stream service | app's own bytes: stream service |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    for scenario, label, clients in _scenarios(args):
        cells = [
            _cpu(result, scenario, "nginx", "nginx"),
            _cpu(result, scenario, "signed", "nginx"),
            _cpu(result, scenario, "gateway", "nginx"),
            _cpu(result, scenario, "gateway", "stream"),
            _cpu(result, scenario, "app", "app"),
        ]
        lines.append(f"| {label} | {clients} | " + " | ".join(f"{c:.2f}" for c in cells) + " |")
    return "\n".join(lines)


def stream_cpu_ms(result: dict[str, Any], args: argparse.Namespace) -> float:
    """The stream service's median CPU milliseconds per request it authorised."""
    return statistics.median(_cpu(result, s, "gateway", "stream") for s, _, _ in _scenarios(args))


def verdict(rounds: list[Round], args: argparse.Namespace, key: str) -> str:
    """Each load's median ratio to direct nginx for one way through the gateway, met or not."""
    parts = []
    for scenario, label, clients in _scenarios(args):
        share = ratio(rounds, scenario, key, "requests_per_s").median
        wanted = TARGETS_BY_WAY[key][scenario.split("-")[0]]
        mark = "no target" if wanted is None else ("met" if share >= wanted else "missed")
        goal = "" if wanted is None else f", target {wanted}x"
        parts.append(f"{label}s, {clients} clients **{share:.2f}x** ({mark}{goal})")
    return "; ".join(parts)


def render_section(
    facts: Mapping[str, str],
    args: argparse.Namespace,
    result: dict[str, Any],
    targets: Mapping[str, str],
) -> str:
    """Markdown for the section: how it was measured, the figures, what they mean."""
    rounds: list[Round] = result["rounds"]
    issues = result["issues"]
    cost = stream_cpu_ms(result, args)
    app_cost = statistics.median(_cpu(result, s, "app", "app") for s, _, _ in _scenarios(args))
    return render(
        TEMPLATE,
        **facts,
        **{k: v for k, v in vars(args).items() if k not in ("redis_url", "access_log")},
        load_before=result["load_average"]["before"],
        load_after=result["load_average"]["after"],
        stores="sessions and the media metadata cache in Redis"
        if args.redis_url
        else "embedded stores: sessions in files under the data directory, SQLite",
        access_log="on (a file)" if args.access_log else "off",
        first_mib=args.offset_mib - args.spread_mib,
        last_mib=args.offset_mib + args.spread_mib,
        segments=result["segments"],
        renditions=result["renditions"],
        segment_kib=f"{result['segment_bytes'] / result['segments'] / 1024:,.0f}",
        results_table=results_table(rounds, args, targets),
        rounds_table=rounds_table(rounds, args),
        warning=f"\n\n**Failed requests:** {'; '.join(issues)}." if issues else "",
        cpu_table=cpu_table(result, args),
        stream_cpu_ms=f"{cost:.2f}",
        per_core=f"{1000 / cost:,.0f}",
        target=TARGET_RATIO,
        signed_verdict=verdict(rounds, args, "signed"),
        accel_verdict=verdict(rounds, args, "gateway"),
        app_verdict=verdict(rounds, args, "app"),
        app_cpu_ms=f"{app_cost:.2f}",
    )
