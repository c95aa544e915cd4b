"""The video containers vidstream reads, and what a file's first bytes say about it.

Only these demuxers may ever open user media (libavformat's ``format_whitelist``): a
real video container each. Everything else ffmpeg can detect by content (playlists
and manifests that open other files or URLs, concat scripts, image sequences, raw
streams) is refused before it is read. Which one a file is comes from its content,
never from its name or the Content-Type its uploader sent; the extension and media
type an original is stored and downloaded with come from this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Every demuxer allowed to open user media, as libavformat's whitelist names them.
DEMUXERS = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,mpeg,flv,asf,ogg"
# The demuxer of the playable MP4 (and of every derived file the pipeline reads).
MP4_DEMUXER = "mp4"
KNOWN_FORMATS = "MP4, MOV, MKV, WebM, AVI, MPEG-TS, MPEG-PS, FLV, WMV or Ogg"
_HEAD_BYTES = 4096
_EBML = b"\x1a\x45\xdf\xa3"
_SEGMENT = b"\x18\x53\x80\x67"
_DOCTYPE = b"\x42\x82"
# ISO-BMFF boxes a file may begin with (QuickTime files written before ``ftyp`` existed
# start with their index or data).
_ISO_FIRST_BOXES = (b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot")


@dataclass(frozen=True)
class Container:
    """One kind of stored original: its extension, media type, name and demuxer."""

    extension: str
    content_type: str
    label: str
    demuxer: str


CONTAINERS = {
    c.extension: c
    for c in (
        Container("mp4", "video/mp4", "MP4", "mp4"),
        Container("mov", "video/quicktime", "MOV", "mp4"),
        Container("3gp", "video/3gpp", "3GP", "mp4"),
        Container("mkv", "video/x-matroska", "MKV", "matroska"),
        Container("webm", "video/webm", "WebM", "matroska"),
        Container("avi", "video/x-msvideo", "AVI", "avi"),
        Container("ts", "video/mp2t", "MPEG-TS", "mpegts"),
        Container("mpg", "video/mpeg", "MPEG", "mpeg"),
        Container("flv", "video/x-flv", "FLV", "flv"),
        Container("wmv", "video/x-ms-wmv", "WMV", "asf"),
        Container("ogv", "video/ogg", "Ogg", "ogg"),
    )
}
# The extension of each demuxer's files, where the first bytes do not decide it.
_BY_DEMUXER = {
    "avi": "avi",
    "mpegts": "ts",
    "mpeg": "mpg",
    "flv": "flv",
    "asf": "wmv",
    "ogg": "ogv",
}


def read_head(path: Path) -> bytes:
    """The first few KiB of ``path`` (all that sniffing ever reads)."""
    with open(path, "rb") as fh:
        return fh.read(_HEAD_BYTES)


def looks_iso(head: bytes) -> bool:
    """Whether the file begins like an ISO-BMFF (MP4, MOV, 3GP) file."""
    return len(head) >= 8 and head[4:8] in _ISO_FIRST_BOXES


def looks_matroska(head: bytes) -> bool:
    """Whether the file begins with an EBML header (Matroska, WebM)."""
    return head.startswith(_EBML)


def looks_avi(head: bytes) -> bool:
    """Whether the file is a RIFF file of form ``AVI ``."""
    return head[:4] == b"RIFF" and head[8:12] == b"AVI "


def claimed_label(head: bytes) -> str:
    """What the file claims to be, for messages about damage ("MP4", "MKV", "AVI", ...)."""
    if looks_iso(head):
        return "MOV" if head[4:12] == b"ftypqt  " else "MP4"
    if looks_matroska(head):
        return "WebM" if matroska_doctype(head) == "webm" else "MKV"
    if looks_avi(head):
        return "AVI"
    return "video"


def container_of(demuxer_name: str, head: bytes) -> Container:
    """The container a file opened by ``demuxer_name`` is, telling MOV from MP4 by its brand
    and WebM from MKV by its document type."""
    names = demuxer_name.split(",")
    if {"mov", "mp4"} & set(names):
        brand = head[8:12] if head[4:8] == b"ftyp" else b"qt  "
        if brand == b"qt  ":
            return CONTAINERS["mov"]
        return CONTAINERS["3gp" if brand.startswith(b"3g") else "mp4"]
    if {"matroska", "webm"} & set(names):
        return CONTAINERS["webm" if matroska_doctype(head) == "webm" else "mkv"]
    for name in names:
        if name in _BY_DEMUXER:
            return CONTAINERS[_BY_DEMUXER[name]]
    raise ValueError(f"no container for demuxer {demuxer_name!r}")


def _vint(data: bytes, at: int, *, marker: bool) -> tuple[int, int] | None:
    """An EBML variable-length integer at ``at``: (value, its length); None if cut off.

    With ``marker`` false the length marker bit is kept (as element IDs are written).
    A size whose value bits are all ones means "unknown" and is returned as -1.
    """
    if at >= len(data) or data[at] == 0:
        return None
    length = 9 - data[at].bit_length()
    if at + length > len(data):
        return None
    value = int.from_bytes(data[at : at + length], "big")
    if not marker:
        return value, length
    value &= (1 << (7 * length)) - 1
    return (-1 if value == (1 << (7 * length)) - 1 else value), length


def _element(data: bytes, at: int) -> tuple[int, int, int] | None:
    """(id, payload start, payload size or -1) of the EBML element at ``at``."""
    ident = _vint(data, at, marker=False)
    if ident is None:
        return None
    size = _vint(data, at + ident[1], marker=True)
    if size is None:
        return None
    return ident[0], at + ident[1] + size[1], size[0]


def matroska_doctype(head: bytes) -> str:
    """The EBML header's DocType ("matroska", "webm"), or "" when it cannot be read."""
    header = _element(head, 0)
    if header is None or header[2] < 0:
        return ""
    _ident, start, size = header
    position, end = start, min(len(head), start + size)
    while position < end:
        child = _element(head, position)
        if child is None or child[2] < 0:
            return ""
        ident, payload, length = child
        if ident == int.from_bytes(_DOCTYPE, "big"):
            return head[payload : payload + length].decode("ascii", "replace").rstrip("\0")
        position = payload + length
    return ""


def declared_end(path: Path, head: bytes) -> int | None:
    """Where the file's own header says it ends, for containers whose header says so.

    Matroska and WebM: the end of the Segment element, when its size is known (a live
    recording writes "unknown"). AVI: the end of the first RIFF chunk. None otherwise.
    """
    if looks_avi(head):
        size = int.from_bytes(head[4:8], "little")
        return 8 + size if size else None
    if not looks_matroska(head):
        return None
    header = _element(head, 0)
    if header is None or header[2] < 0:
        return None
    segment = _element(head, header[1] + header[2])
    if segment is None or segment[0] != int.from_bytes(_SEGMENT, "big") or segment[2] < 0:
        return None
    return segment[1] + segment[2]
