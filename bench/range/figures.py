"""The range benchmark's figures: medians and ratios to nginx, tables, and problems."""

from __future__ import annotations

from collections.abc import Sequence

from bench.common.procs import Target
from bench.common.tables import Round, ratio, spread
from bench.common.wrk import short_answers

BASELINE = "nginx"


def summarise(rounds: Sequence[Round], targets: Sequence[Target]) -> dict[str, dict[str, float]]:
    """Medians and ratios per target, for the JSON output."""
    table: dict[str, dict[str, float]] = {}
    for target in targets:
        key = target.key
        table[key] = {
            "full_mb_per_s": spread(rounds, "full", key, "mb_per_s").median,
            "full_ratio_to_nginx": ratio(rounds, "full", key, "mb_per_s").median,
            "range_requests_per_s": spread(rounds, "range", key, "requests_per_s").median,
            "range_mb_per_s": spread(rounds, "range", key, "mb_per_s").median,
            "range_p50_ms": spread(rounds, "range", key, "p50_ms").median,
            "range_p99_ms": spread(rounds, "range", key, "p99_ms").median,
            "range_ratio_to_nginx": ratio(rounds, "range", key, "requests_per_s").median,
            "range_ratio_to_owner": ratio(
                rounds, "range", key, "requests_per_s", baseline="vidstream"
            ).median,
        }
    return table


def results_table(rounds: Sequence[Round], targets: Sequence[Target]) -> str:
    """The main table: one row per server, medians with the spread in brackets."""
    lines = [
        "| server | whole file MB/s | ÷ nginx | 1 MiB range req/s | range MB/s "
        "| p50 ms | p99 ms | req/s ÷ nginx |",
        "|---|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for target in targets:
        key = target.key

        def fig(scenario: str, figure: str, digits: int = 0, k: str = key) -> str:
            return spread(rounds, scenario, k, figure).show(digits)

        cells = [
            target.label,
            fig("full", "mb_per_s"),
            ratio(rounds, "full", key, "mb_per_s").show(2),
            fig("range", "requests_per_s"),
            fig("range", "mb_per_s"),
            fig("range", "p50_ms", 1),
            fig("range", "p99_ms", 1),
            ratio(rounds, "range", key, "requests_per_s").show(2),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _range_rate(one: Round, key: str) -> float:
    return one["range"][key].requests_per_s


def rounds_table(rounds: Sequence[Round], targets: Sequence[Target]) -> str:
    """Range req/s of every target in every round, with vidstream's ratio to nginx."""
    head = " | ".join(t.label for t in targets)
    lines = [
        f"| round | {head} | vidstream ÷ nginx | share link ÷ owner | fast path ÷ off |",
        "|--:|" + "--:|" * (len(targets) + 3),
    ]
    for number, one in enumerate(rounds, start=1):
        cells = [f"{_range_rate(one, t.key):,.0f}" for t in targets]
        share = _range_rate(one, "vidstream") / _range_rate(one, BASELINE)
        shared = _range_rate(one, "share") / _range_rate(one, "vidstream")
        fast = _range_rate(one, "vidstream") / _range_rate(one, "fullpath")
        lines.append(
            f"| {number} | " + " | ".join(cells) + f" | {share:.2f} | {shared:.2f} | {fast:.2f} |"
        )
    return "\n".join(lines)


def problems(rounds: Sequence[Round], targets: Sequence[Target], range_len: int) -> list[str]:
    """Errors wrk counted, or range replies too short to have carried the asked-for bytes."""
    found = []
    for number, one in enumerate(rounds, start=1):
        for scenario, by_target in one.items():
            for target in targets:
                m = by_target[target.key]
                if m.failures:
                    found.append(
                        f"round {number}, {scenario}, {target.label}: {m.describe_failures()}"
                    )
                short = short_answers(m, [range_len]) if scenario == "range" else 0
                if short:
                    found.append(
                        f"round {number}, range, {target.label}: about {short} replies "
                        "without their bytes"
                    )
    return found
