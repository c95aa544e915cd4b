"""Medians, spreads and ratios to nginx across rounds, and the Markdown that shows them."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from bench.procs import Target
from bench.wrk import Measurement

Round = dict[str, dict[str, Measurement]]
BASELINE = "nginx"


@dataclass(frozen=True)
class Spread:
    """The median of a figure over the rounds, and its smallest and largest value."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        """Summarise ``values`` (one per round)."""
        return cls(statistics.median(values), min(values), max(values))

    def show(self, digits: int = 0) -> str:
        """``median (low-high)``, or just the median when there was one round."""
        if self.low == self.high:
            return f"{self.median:,.{digits}f}"
        return f"{self.median:,.{digits}f} ({self.low:,.{digits}f}-{self.high:,.{digits}f})"


def spread(rounds: Sequence[Round], scenario: str, key: str, figure: str) -> Spread:
    """One figure (a Measurement attribute) of one target over every round."""
    return Spread.of([float(getattr(r[scenario][key], figure)) for r in rounds])


def ratio(rounds: Sequence[Round], scenario: str, key: str, figure: str) -> Spread:
    """``figure`` of ``key`` divided by nginx's, within each round."""
    values = [
        float(getattr(r[scenario][key], figure)) / float(getattr(r[scenario][BASELINE], figure))
        for r in rounds
    ]
    return Spread.of(values)


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
    lines = [f"| round | {head} | vidstream ÷ nginx |", "|--:|" + "--:|" * (len(targets) + 1)]
    for number, one in enumerate(rounds, start=1):
        cells = [f"{_range_rate(one, t.key):,.0f}" for t in targets]
        share = _range_rate(one, "vidstream") / _range_rate(one, BASELINE)
        lines.append(f"| {number} | " + " | ".join(cells) + f" | {share:.2f} |")
    return "\n".join(lines)


def problems(rounds: Sequence[Round], targets: Sequence[Target], range_len: int) -> list[str]:
    """Errors wrk counted, or replies too short to have carried the asked-for bytes."""
    found = []
    for number, one in enumerate(rounds, start=1):
        for scenario, by_target in one.items():
            for target in targets:
                m = by_target[target.key]
                if m.errors or m.status_errors or m.timeouts:
                    found.append(
                        f"round {number}, {scenario}, {target.label}: {m.errors} socket errors, "
                        f"{m.status_errors} error statuses, {m.timeouts} timeouts"
                    )
                if scenario == "range" and m.requests and m.bytes < m.requests * range_len:
                    found.append(f"round {number}, range, {target.label}: short replies")
    return found
