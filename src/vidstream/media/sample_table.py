"""Where an MP4's index says its media data ends: a file cut short is told by its index.

A copy that stopped early keeps a ``moov`` in front intact, and its first frames
decode, so probing alone accepts it. The sample tables in ``moov`` (``stco``/``co64``
chunk offsets, ``stsc`` samples per chunk, ``stsz`` sample sizes) say exactly where
every sample lies; the end of the last one is where the file must at least reach.
Only the index is read, never the media data.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from itertools import accumulate
from pathlib import Path

from vidstream.media.faststart import top_level_boxes

# An index larger than this (hours of video have a few MiB) is left to the decoder.
MAX_INDEX_BYTES = 256 * 1024 * 1024
_PATH_TO_TABLES = (b"trak", b"mdia", b"minf", b"stbl")


class MalformedIndex(ValueError):
    """The sample tables contradict themselves; the decoder will say what it makes of them."""


def media_data_end(path: Path) -> int | None:
    """The offset just past the last sample that any track's index points at.

    None when the file has no ``moov`` (not an MP4, or fragmented), when the index is
    too large to read here, or when its tables are malformed.
    """
    moov = _read_moov(path)
    if moov is None:
        return None
    ends = []
    try:
        for stbl in _descend(moov, 0, len(moov), _PATH_TO_TABLES):
            end = _track_end(moov, *stbl)
            if end is not None:
                ends.append(end)
    except (MalformedIndex, IndexError, ValueError):
        return None
    return max(ends, default=None)


def _read_moov(path: Path) -> bytes | None:
    for kind, offset, size in top_level_boxes(path):
        if kind == b"moov":
            if size > MAX_INDEX_BYTES or offset + size > path.stat().st_size:
                return None
            with open(path, "rb") as fh:
                fh.seek(offset)
                box = fh.read(size)
            return box[16:] if box[:4] == (1).to_bytes(4, "big") else box[8:]
    return None


def _children(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """``(type, payload start, payload end)`` of each box between ``start`` and ``end``."""
    position = start
    while position + 8 <= end:
        size, header = int.from_bytes(data[position : position + 4], "big"), 8
        kind = data[position + 4 : position + 8]
        if size == 1:
            size, header = int.from_bytes(data[position + 8 : position + 16], "big"), 16
        elif size == 0:
            size = end - position
        if size < header or position + size > end:
            raise MalformedIndex(f"box {kind!r} at {position} does not fit")
        yield kind, position + header, position + size
        position += size


def _descend(
    data: bytes, start: int, end: int, path: tuple[bytes, ...]
) -> Iterator[tuple[int, int]]:
    """Payload ranges of every box reached by following ``path`` from the range given."""
    if not path:
        yield start, end
        return
    for kind, child_start, child_end in _children(data, start, end):
        if kind == path[0]:
            yield from _descend(data, child_start, child_end, path[1:])


def _uint_array(data: bytes, start: int, count: int, width: int) -> array[int]:
    values = array("I" if width == 4 else "Q")
    if values.itemsize != width:
        raise MalformedIndex("no array type of this width on this platform")
    values.frombytes(data[start : start + count * width])
    if len(values) != count:
        raise MalformedIndex("table shorter than its entry count")
    values.byteswap()  # big-endian on disk; every supported host is little-endian
    return values


def _track_end(data: bytes, start: int, end: int) -> int | None:
    tables = {kind: (s, e) for kind, s, e in _children(data, start, end)}
    offsets = _chunk_offsets(data, tables)
    if offsets is None or not offsets or b"stsc" not in tables or b"stsz" not in tables:
        return None
    per_chunk = _samples_per_chunk(data, *tables[b"stsc"], len(offsets))
    s, _ = tables[b"stsz"]
    uniform = int.from_bytes(data[s + 4 : s + 8], "big")
    count = int.from_bytes(data[s + 8 : s + 12], "big")
    if sum(per_chunk) > count:
        raise MalformedIndex("chunks hold more samples than the track has")
    if uniform:
        return max(o + n * uniform for o, n in zip(offsets, per_chunk, strict=True))
    sizes = [0, *accumulate(_uint_array(data, s + 12, count, 4))]
    ends, first = [], 0
    for offset, n in zip(offsets, per_chunk, strict=True):
        ends.append(offset + sizes[first + n] - sizes[first])
        first += n
    return max(ends)


def _chunk_offsets(data: bytes, tables: dict[bytes, tuple[int, int]]) -> array[int] | None:
    for kind, width in ((b"stco", 4), (b"co64", 8)):
        if kind in tables:
            s, _ = tables[kind]
            count = int.from_bytes(data[s + 4 : s + 8], "big")
            return _uint_array(data, s + 8, count, width)
    return None


def _samples_per_chunk(data: bytes, start: int, _end: int, chunks: int) -> list[int]:
    """Samples in each chunk, expanded from ``stsc``'s runs."""
    count = int.from_bytes(data[start + 4 : start + 8], "big")
    runs = _uint_array(data, start + 8, count * 3, 4)
    firsts = [*runs[0::3], chunks + 1]
    per_chunk: list[int] = []
    for index, samples in enumerate(runs[1::3]):
        first, following = firsts[index], min(firsts[index + 1], chunks + 1)
        if first != len(per_chunk) + 1 or following < first:
            raise MalformedIndex("stsc runs out of order")
        per_chunk.extend([samples] * (following - first))
    if len(per_chunk) != chunks:
        raise MalformedIndex("stsc does not cover every chunk")
    return per_chunk
