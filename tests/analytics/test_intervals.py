"""Interval merging, retention buckets and tallies against brute-force counts."""

from __future__ import annotations

import itertools
from datetime import date, datetime

from hypothesis import given
from hypothesis import strategies as st

from vidstream.analytics.intervals import BUCKETS, covered_buckets, covered_indices, merge, total
from vidstream.analytics.tally import Figures, RawRow, Tally

LIMIT = 2_000
ranges = st.lists(
    st.tuples(st.integers(0, LIMIT), st.integers(0, LIMIT)).map(lambda r: (min(r), max(r))),
    max_size=40,
)


def brute_force(rs: list[tuple[int, int]]) -> set[int]:
    """Every millisecond some range covers."""
    return {t for start, end in rs for t in range(start, end)}


@given(ranges)
def test_merged_total_equals_the_covered_milliseconds(rs: list[tuple[int, int]]) -> None:
    assert total(rs) == len(brute_force(rs))


@given(ranges)
def test_merge_is_sorted_disjoint_and_covers_the_same(rs: list[tuple[int, int]]) -> None:
    merged = merge(rs)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(merged))
    assert brute_force(merged) == brute_force(rs)
    assert merge(merged) == merged


@given(ranges, ranges)
def test_merging_in_two_beacons_is_merging_once(
    a: list[tuple[int, int]], b: list[tuple[int, int]]
) -> None:
    assert merge(merge(a) + merge(b)) == merge(a + b)


@given(ranges, st.integers(100, LIMIT))
def test_buckets_follow_the_half_coverage_rule(rs: list[tuple[int, int]], duration: int) -> None:
    clipped = [(min(s, duration), min(e, duration)) for s, e in rs]
    seen = brute_force(clipped)
    width = duration / BUCKETS
    expected = []
    for i in range(BUCKETS):
        low, high = i * width, (i + 1) * width
        # Milliseconds as unit intervals [t, t+1): overlap with the bucket's span.
        covered = sum(
            max(0.0, min(t + 1, high) - max(t, low)) for t in seen if t + 1 > low and t < high
        )
        expected.append(1 if covered >= 0.5 * width - 1e-6 else 0)
    assert covered_buckets(merge(clipped), duration) == expected
    indices = covered_indices(merge(clipped), duration)
    assert len(indices) == len(set(indices)) == sum(expected)  # each watched bucket once


plays = st.lists(
    st.tuples(st.sampled_from(["p1", "p2", "p3"]), st.integers(0, 999), st.integers(1, 500)),
    max_size=30,
)


@given(plays)
def test_a_tally_counts_views_once_and_watch_time_merged(rows: list[tuple[str, int, int]]) -> None:
    day = date(2026, 1, 1)
    now = datetime(2026, 1, 1, 12)
    raw = [
        RawRow(
            1, 7 if play == "p1" else None, day, play, f"viewer-{play}", s, min(s + n, 1000), now
        )
        for play, s, n in rows
    ]
    tally = Tally.of(raw, {1: 1000})
    names = {play for play, _, _ in rows}
    figures = tally.videos.get((1, day), Figures())
    assert figures.views == len(names)
    assert figures.viewers == len(names)
    expected = sum(
        len(brute_force([(r.start_ms, r.end_ms) for r in raw if r.play == name])) for name in names
    )
    assert figures.watch_ms == expected
    assert all(0 <= c <= figures.views for c in figures.retention)
    assert ((7, day) in tally.shares) == ("p1" in names)
