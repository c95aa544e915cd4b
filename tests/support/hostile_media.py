"""Hostile files named like MP4s: non-videos, cut-off containers, damaged boxes, lying headers.

Every file is generated at test time with the ffmpeg that imageio-ffmpeg ships, then
edited byte by byte where a lie has to be told (a frame size no encoder would write,
a box size larger than the file). Nothing here is ever committed.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

from tests.support.hostile_manifests import write_dash_manifest
from tests.support.media import ffmpeg, make_audio_only_mp4, make_webm

# Boxes whose payload is a list of boxes, and how many bytes of fields come first.
_CONTAINERS = {b"moov": 0, b"trak": 0, b"mdia": 0, b"minf": 0, b"stbl": 0, b"stsd": 8, b"avc1": 78}


def zero_bytes(path: Path) -> Path:
    """An empty file."""
    path.write_bytes(b"")
    return path


def text_file(path: Path) -> Path:
    """Plain text with an .mp4 name."""
    path.write_text("These are meeting notes, not a video.\n" * 200)
    return path


def header_only(path: Path, source: Path) -> Path:
    """Nothing but the leading ``ftyp`` box of ``source``: an MP4 with no index or data."""
    data = source.read_bytes()
    path.write_bytes(data[: int.from_bytes(data[:4], "big")])
    return path


def cut_in_index(path: Path, faststart: Path) -> Path:
    """``faststart`` (index in front) cut off halfway through its ``moov`` box."""
    data = faststart.read_bytes()
    start = _find_top_level(data, b"moov")
    size = int.from_bytes(data[start : start + 4], "big")
    path.write_bytes(data[: start + size // 2])
    return path


def cut_short(path: Path, faststart: Path) -> Path:
    """The first 30% of ``faststart`` (index in front): the index whole, most data missing.

    What an interrupted copy leaves. Its first frames decode, so only the index tells.
    """
    data = faststart.read_bytes()
    path.write_bytes(data[: len(data) * 3 // 10])
    return path


def cut_before_index(path: Path) -> Path:
    """A file with its index at the end, cut off before the index (a copy that stopped)."""
    whole = baseline_mp4(path.with_suffix(".whole.mp4"))
    data = whole.read_bytes()
    whole.unlink()
    path.write_bytes(data[: _find_top_level(data, b"moov")])
    return path


def png_image(path: Path) -> Path:
    """A tiny PNG picture (8x8 red), which ffmpeg could read as a one-frame video."""
    rows = b"".join(b"\0" + b"\xff\0\0" * 8 for _ in range(8))
    header = struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(rows)) + _png_chunk(b"IEND", b"")
    )  # fmt: skip
    return path


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def wav_audio(path: Path) -> Path:
    """A WAV file: sound only, no picture."""
    ffmpeg("-f", "lavfi", "-i", "sine=duration=1", "-f", "wav", str(path))
    return path


def cut_container(path: Path, whole: Path, fraction: float = 0.4) -> Path:
    """The first ``fraction`` of ``whole``, which is then removed (an interrupted copy)."""
    data = whole.read_bytes()
    whole.unlink()
    path.write_bytes(data[: int(len(data) * fraction)])
    return path


def matroska(path: Path) -> Path:
    """A Matroska (H.264) file with an .mp4 name: a codec browsers play, a container not."""
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10:duration=1",
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
           "-f", "matroska", str(path))  # fmt: skip
    return path


def baseline_mp4(path: Path, size: str = "64x48") -> Path:
    """A tiny H.264 Constrained Baseline MP4, index at the end (as the edits below need)."""
    ffmpeg("-f", "lavfi", "-i", f"testsrc2=size={size}:rate=10:duration=1",
           "-c:v", "libx264", "-preset", "ultrafast", "-profile:v", "baseline",
           "-pix_fmt", "yuv420p", "-x264-params", "log-level=error", str(path))  # fmt: skip
    return path


def claimed_frame_size(path: Path, width: int, height: int) -> Path:
    """An MP4 whose headers claim ``width`` x ``height`` pixels; its frames are 64x48.

    The H.264 sequence parameter set in ``avcC`` (what a decoder sizes its frames
    by) says ``width`` x ``height``; the track header and the sample entry say as much
    as their 16-bit fields can hold. ``width`` and ``height`` must be multiples of 16.
    """
    if width % 16 or height % 16:
        raise ValueError("the frame size must be a whole number of macroblocks")
    source = baseline_mp4(path.with_suffix(".source.mp4"))
    data = source.read_bytes()
    source.unlink()

    def edit(kind: bytes, payload: bytes) -> bytes:
        if kind == b"tkhd":
            return _patch_tkhd(payload, width, height)
        if kind == b"avc1":  # the sample entry's fields, before its child boxes
            fields = min(width, 0xFFFF).to_bytes(2, "big") + min(height, 0xFFFF).to_bytes(2, "big")
            return payload[:24] + fields + payload[28:]
        if kind == b"avcC":
            return _patch_avcc(payload, width // 16, height // 16)
        return payload

    return _rewrite_top_level(path, data, b"moov", edit)


def matroska_claimed_frame_size(path: Path) -> Path:
    """The 16000x16000-claiming H.264 track of :func:`claimed_frame_size`, in Matroska."""
    claimed = claimed_frame_size(path.with_suffix(".claimed.mp4"), 16_000, 16_000)
    ffmpeg("-i", str(claimed), "-c", "copy", "-f", "matroska", str(path))
    claimed.unlink()
    return path


def huge_second_track(path: Path) -> Path:
    """A small 64x48 first video track, and a second one claiming 16000x16000 pixels."""
    small = baseline_mp4(path.with_suffix(".small.mp4"))
    huge = claimed_frame_size(path.with_suffix(".huge.mp4"), 16_000, 16_000)
    ffmpeg("-i", str(small), "-i", str(huge), "-map", "0:v", "-map", "1:v", "-c", "copy",
           str(path))  # fmt: skip
    small.unlink()
    huge.unlink()
    return path


def oversized_ftyp(path: Path, source: Path) -> Path:
    """``source`` whose leading ``ftyp`` box claims 4 GiB."""
    data = source.read_bytes()
    path.write_bytes((0xFFFFFFFF).to_bytes(4, "big") + data[4:])
    return path


def oversized_box(path: Path, source: Path, kind: bytes, *, largesize: bool) -> Path:
    """``source`` with the top-level ``kind`` box claiming to run far past the file's end.

    With ``largesize`` the box's 32-bit size becomes 1 and a 64-bit size of 2**62
    follows (the box grows by those 8 bytes); otherwise the 32-bit size says 0xFFFFFFF0.
    """
    data = source.read_bytes()
    start = _find_top_level(data, kind)
    size = int.from_bytes(data[start : start + 4], "big")
    if largesize:
        header = (1).to_bytes(4, "big") + kind + (2**62).to_bytes(8, "big")
        edited = data[:start] + header + data[start + 8 : start + size] + data[start + size :]
    else:
        edited = data[:start] + (0xFFFFFFF0).to_bytes(4, "big") + data[start + 4 :]
    path.write_bytes(edited)
    return path


HOSTILE_MEDIA: dict[str, Callable[[Path, Path], Path]] = {
    "zero_bytes": lambda out, _sample: zero_bytes(out),
    "text_renamed": lambda out, _sample: text_file(out),
    "header_only": header_only,
    "cut_in_index": cut_in_index,
    "cut_before_index": lambda out, _sample: cut_before_index(out),
    "cut_short": cut_short,
    "png_renamed": lambda out, _sample: png_image(out),
    "wav_renamed": lambda out, _sample: wav_audio(out),
    "dash_manifest": lambda out, sample: write_dash_manifest(out, str(sample)),
    "mkv_cut_short": lambda out, _sample: cut_container(out, matroska(out.with_suffix(".mkv"))),
    "webm_cut_short": lambda out, _sample: cut_container(out, make_webm(out.with_suffix(".webm"))),
    "audio_only": lambda out, _sample: make_audio_only_mp4(out),
    "claims_100000x100000": lambda out, _sample: claimed_frame_size(out, 100_000, 100_000),
    "claims_16000x16000": lambda out, _sample: claimed_frame_size(out, 16_000, 16_000),
    "second_track_16000x16000": lambda out, _sample: huge_second_track(out),
    "mkv_claims_16000x16000": lambda out, _sample: matroska_claimed_frame_size(out),
    "ftyp_size_4gib": oversized_ftyp,
    "moov_size_0xfffffff0": lambda out, sample: oversized_box(
        out, sample, b"moov", largesize=False
    ),
    "moov_largesize_2e62": lambda out, sample: oversized_box(out, sample, b"moov", largesize=True),
    "mdat_largesize_2e62": lambda out, sample: oversized_box(out, sample, b"mdat", largesize=True),
}
"""Each hostile file, made from an output path and a valid MP4 with its index in front."""


def _boxes(data: bytes) -> Iterator[tuple[bytes, bytes]]:
    """(type, payload) of each box in ``data`` (32-bit sizes, as ffmpeg writes small files)."""
    position = 0
    while position + 8 <= len(data):
        size = int.from_bytes(data[position : position + 4], "big")
        if size < 8:
            raise ValueError(f"unexpected box size {size} at {position}")
        yield data[position + 4 : position + 8], data[position + 8 : position + size]
        position += size


def _box(kind: bytes, payload: bytes) -> bytes:
    return (len(payload) + 8).to_bytes(4, "big") + kind + payload


def _rewrite(kind: bytes, payload: bytes, edit: Callable[[bytes, bytes], bytes]) -> bytes:
    """Rebuild one box with ``edit`` applied to it and to every box inside it; sizes follow."""
    if kind not in _CONTAINERS:
        return _box(kind, edit(kind, payload))
    skip = _CONTAINERS[kind]
    children = b"".join(_rewrite(k, p, edit) for k, p in _boxes(payload[skip:]))
    return _box(kind, edit(kind, payload[:skip]) + children)


def _rewrite_top_level(
    path: Path, data: bytes, kind: bytes, edit: Callable[[bytes, bytes], bytes]
) -> Path:
    """Write ``data`` to ``path`` with its last top-level ``kind`` box rewritten.

    Only a box after the media data may change size without moving sample offsets.
    """
    start = _find_top_level(data, kind)
    size = int.from_bytes(data[start : start + 4], "big")
    if start + size != len(data):
        raise ValueError(f"the {kind!r} box must be the last one")
    path.write_bytes(data[:start] + _rewrite(kind, data[start + 8 : start + size], edit))
    return path


def _find_top_level(data: bytes, kind: bytes) -> int:
    position = 0
    while position + 8 <= len(data):
        size = int.from_bytes(data[position : position + 4], "big")
        if data[position + 4 : position + 8] == kind:
            return position
        if size < 8:
            break
        position += size
    raise ValueError(f"no top-level {kind!r} box")


def _patch_tkhd(payload: bytes, width: int, height: int) -> bytes:
    """Set a track header's width and height (16.16 fixed point, so at most 65535)."""
    at = 76 if payload[0] == 0 else 88  # version 1 has 64-bit times
    fields = b"".join((min(n, 0xFFFF) << 16).to_bytes(4, "big") for n in (width, height))
    return payload[:at] + fields + payload[at + 8 :]


def _patch_avcc(payload: bytes, mb_width: int, mb_height: int) -> bytes:
    """Replace the single SPS of an ``avcC`` box by one with another size in macroblocks."""
    if payload[5] & 0x1F != 1:
        raise ValueError("expected exactly one SPS")
    length = int.from_bytes(payload[6:8], "big")
    sps = payload[8 : 8 + length]
    new_sps = sps[:1] + _add_emulation_prevention(
        _resize_sps(_remove_emulation_prevention(sps[1:]), mb_width, mb_height)
    )
    return payload[:6] + len(new_sps).to_bytes(2, "big") + new_sps + payload[8 + length :]


class _Bits:
    """A big-endian bit reader over an RBSP."""

    def __init__(self, data: bytes) -> None:
        self.bits = "".join(f"{byte:08b}" for byte in data)
        self.at = 0

    def read(self, count: int) -> str:
        piece = self.bits[self.at : self.at + count]
        self.at += count
        return piece

    def ue(self) -> str:
        """One Exp-Golomb code, as the bits it was written with."""
        zeros = 0
        while self.bits[self.at + zeros] == "0":
            zeros += 1
        return self.read(2 * zeros + 1)


def _ue_value(code: str) -> int:
    return int(code, 2) - 1


def _ue(value: int) -> str:
    code = f"{value + 1:b}"
    return "0" * (len(code) - 1) + code


def _resize_sps(rbsp: bytes, mb_width: int, mb_height: int) -> bytes:
    """A Baseline-profile SPS with its picture size replaced (everything else kept)."""
    bits = _Bits(rbsp)
    head = bits.read(24)  # profile_idc, constraint flags, level_idc
    if int(head[:8], 2) not in (66, 77, 88):
        raise ValueError("only Baseline/Main/Extended SPSs are handled")
    head += bits.ue() + bits.ue()  # seq_parameter_set_id, log2_max_frame_num_minus4
    poc_type = bits.ue()
    head += poc_type
    if _ue_value(poc_type) == 0:
        head += bits.ue()  # log2_max_pic_order_cnt_lsb_minus4
    elif _ue_value(poc_type) == 1:  # carries a list this editor does not rewrite
        raise ValueError("picture order count type 1 is not handled")
    head += bits.ue() + bits.read(1)  # max_num_ref_frames, gaps_in_frame_num_allowed
    bits.ue()  # pic_width_in_mbs_minus1 and
    bits.ue()  # pic_height_in_map_units_minus1: replaced below
    rest = bits.bits[bits.at : bits.bits.rindex("1")]  # drop the stop bit and padding
    out = head + _ue(mb_width - 1) + _ue(mb_height - 1) + rest + "1"
    out += "0" * (-len(out) % 8)
    return int(out, 2).to_bytes(len(out) // 8, "big")


def _remove_emulation_prevention(nal: bytes) -> bytes:
    """The RBSP of a NAL unit payload: each 00 00 03 loses its 03."""
    return nal.replace(b"\x00\x00\x03", b"\x00\x00")


def _add_emulation_prevention(rbsp: bytes) -> bytes:
    """A NAL unit payload for an RBSP: 03 after any 00 00 followed by a byte up to 03."""
    out = bytearray()
    zeros = 0
    for byte in rbsp:
        if zeros >= 2 and byte <= 3:
            out.append(3)
            zeros = 0
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)
