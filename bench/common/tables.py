"""Figures over rounds (medians, spreads, ratios) and the Markdown rows that show them."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from bench.common.wrk import Measurement

# scenario -> target key -> what wrk measured, for one round.
Round = dict[str, dict[str, Measurement]]


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


def ratio(
    rounds: Sequence[Round], scenario: str, key: str, figure: str, baseline: str = "nginx"
) -> Spread:
    """``figure`` of ``key`` divided by the baseline's, within each round."""
    values = [
        float(getattr(r[scenario][key], figure)) / float(getattr(r[scenario][baseline], figure))
        for r in rounds
    ]
    return Spread.of(values)


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in 0-100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share / 100 * len(ordered)) - 1)]


def row(cells: Sequence[object]) -> str:
    """One Markdown table row."""
    return "| " + " | ".join(str(cell) for cell in cells) + " |"
