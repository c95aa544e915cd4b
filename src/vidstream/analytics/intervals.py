"""Time ranges: merging what a view reported into what it actually watched.

A player reports ranges in milliseconds, possibly overlapping, repeated or in any
order (a beacon that was sent twice, a seek back over a part already seen). A view's
watch time is the length of their union, and retention asks which hundredths of the
video that union covers. Nothing here knows of Flask or the database.
"""

from __future__ import annotations

from collections.abc import Iterable

Range = tuple[int, int]
BUCKETS = 100
# A hundredth of the video counts as watched once this share of it was watched.
BUCKET_COVERAGE = 0.5


def merge(ranges: Iterable[Range]) -> list[Range]:
    """The union of ``ranges`` as sorted, disjoint, non-touching ranges (empty ones dropped)."""
    merged: list[Range] = []
    for start, end in sorted(r for r in ranges if r[1] > r[0]):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def total(ranges: Iterable[Range]) -> int:
    """The length of the union of ``ranges``."""
    return sum(end - start for start, end in merge(ranges))


def covered_buckets(merged: list[Range], duration_ms: int) -> list[int]:
    """Which of the video's :data:`BUCKETS` hundredths ``merged`` watched (1) or not (0).

    ``merged`` must come from :func:`merge`. Bucket ``i`` spans
    ``[i * duration / 100, (i + 1) * duration / 100)``; it is watched when at least
    :data:`BUCKET_COVERAGE` of it is covered.
    """
    flags = [0] * BUCKETS
    for i in covered_indices(merged, duration_ms):
        flags[i] = 1
    return flags


def covered_indices(merged: list[Range], duration_ms: int) -> list[int]:
    """The watched hundredths of :func:`covered_buckets`, as bucket numbers, each once.

    The counting loop adds these to a day's retention one by one, so a view that
    watched ten seconds of a long video costs a few additions, not a hundred: only a
    range's first and last bucket can be partly covered, the ones between are whole
    (and, the ranges being disjoint, no other range reaches them).
    """
    if duration_ms <= 0 or not merged:
        return []
    width = duration_ms / BUCKETS
    covered: dict[int, float] = {}
    found: list[int] = []
    for start, end in merged:
        first = max(0, min(BUCKETS - 1, int(start / width)))
        last = max(0, min(BUCKETS - 1, int((end - 1) / width)))
        for i in (first, last) if last > first else (first,):
            share = min(end, (i + 1) * width) - max(start, i * width)
            if share > 0:
                covered[i] = covered.get(i, 0.0) + share
        if last > first + 1:
            found.extend(range(first + 1, last))
    need = BUCKET_COVERAGE * width
    found.extend(i for i, share in covered.items() if share >= need)
    return found
