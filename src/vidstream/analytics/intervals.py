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
    if duration_ms <= 0:
        return [0] * BUCKETS
    covered = [0.0] * BUCKETS
    width = duration_ms / BUCKETS
    for start, end in merged:
        first = max(0, min(BUCKETS - 1, int(start / width)))
        last = max(0, min(BUCKETS - 1, int((end - 1) / width)))
        for i in range(first, last + 1):
            low, high = i * width, (i + 1) * width
            covered[i] += max(0.0, min(end, high) - max(start, low))
    return [1 if c >= BUCKET_COVERAGE * width else 0 for c in covered]
