"""Deciding whether a file is a video vidstream can read, and what it contains (PyAV).

An upload may be in any container of media/containers.py; libavformat picks the
demuxer from the file's content, among those only, and reads local files only. A file
that begins like an ISO-BMFF (MP4, MOV) file has its top-level boxes checked before
any demuxer sees it, so a box claiming gigabytes is refused without being read.
Opening, and each read, run under a timeout, and at most a bounded number of bytes
and packets is read looking for one decodable frame. The name the file was uploaded
under and the media type its client declared are never looked at.

415: not a container in the list, or no video track in it (``NotVideoError``).
422: a container in the list, damaged or cut short (``UnplayableVideoError``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import av

from vidstream.media.containers import (
    DEMUXERS,
    KNOWN_FORMATS,
    claimed_label,
    container_of,
    declared_end,
    looks_iso,
    read_head,
)
from vidstream.media.limits import (
    DECODER_THREADS,
    INPUT_FORMAT,
    MAX_PIXELS,
    PROBE_BYTES,
    PROBE_PACKETS,
    PROBE_SECONDS,
)
from vidstream.media.sample_table import media_data_end

# Decoders are told MAX_PIXELS too, so a header that claims more is refused before a
# frame of that size is ever allocated.
# Top-level boxes checked for a size that runs past the end of the file; a file with
# more (a fragment per frame of a long video) has only its first ones checked.
MAX_CHECKED_BOXES = 100_000
NOT_A_VIDEO = "This file is not a video vidstream can read: "
UNKNOWN_FORMAT = NOT_A_VIDEO + f"it is not in any of the formats it knows ({KNOWN_FORMATS})."
NO_VIDEO = NOT_A_VIDEO + "it has no video track."
NO_DECODER = NOT_A_VIDEO + "its video track uses a codec it cannot decode."
DAMAGED = "This MP4 file is damaged or incomplete, so it cannot be played."
INCOMPLETE = (
    "This MP4 file is incomplete: it ends before the video data its index describes. "
    "Was the copy or download interrupted? Upload the whole file."
)
# 8-bit 4:2:0: what every browser's H.264 decoder plays.
BROWSER_PIXEL_FORMATS = ("yuv420p", "yuvj420p")


def damaged_message(label: str) -> str:
    """422's message for a file of the container ``label`` ("MKV") that cannot be read."""
    return f"This {label} file is damaged or incomplete, so it cannot be played."


def incomplete_message(label: str) -> str:
    """422's message for a file of the container ``label`` that ends before its header says."""
    if label in ("MP4", "MOV"):
        return INCOMPLETE.replace("MP4", label)
    return (
        f"This {label} file is incomplete: it ends before the end its header gives. "
        "Was the copy or download interrupted? Upload the whole file."
    )


class NotVideoError(ValueError):
    """The file is not in a container vidstream reads, or has no video track (415)."""


class UnplayableVideoError(ValueError):
    """The file is in a known container but damaged, cut short or undecodable (422)."""


@dataclass(frozen=True)
class VideoProbe:
    """What probing found in a file."""

    duration_seconds: float | None
    width: int
    height: int
    video_codec: str
    audio_codec: str | None
    format_name: str
    rotation: int = 0
    frame_rate: float | None = None
    sample_aspect: float = 1.0
    container: str = "mp4"
    pixel_format: str = ""

    @property
    def display_size(self) -> tuple[int, int]:
        """Width and height as shown: non-square pixels stretched, rotation applied."""
        width = max(2, round(self.width * self.sample_aspect))
        if self.rotation % 180:
            return self.height, width
        return width, self.height

    @property
    def video_plays_in_mp4(self) -> bool:
        """Whether the video track is H.264 every browser plays (so it may be copied)."""
        return self.video_codec == "h264" and self.pixel_format in BROWSER_PIXEL_FORMATS

    @property
    def audio_plays_in_mp4(self) -> bool:
        """Whether the sound is AAC, or there is none (so it may be copied)."""
        return self.audio_codec in (None, "aac")

    @property
    def is_playable_mp4(self) -> bool:
        """Whether the file itself can be the playable MP4: MP4, H.264 and AAC already."""
        return self.container == "mp4" and self.video_plays_in_mp4 and self.audio_plays_in_mp4


def check_iso_header(head: bytes) -> None:
    """Refuse an ISO-BMFF file whose leading ``ftyp`` box has an impossible size."""
    if head[4:8] != b"ftyp":
        return
    box_size = int.from_bytes(head[:4], "big")
    if box_size != 1 and (box_size < 8 or box_size > 4096):
        raise NotVideoError("This file's MP4 header is damaged.")


def check_boxes(path: Path) -> None:
    """Require every top-level box to end inside the file (422 if one claims more).

    A final ``mdat`` cut short is left to decoding: the index is whole, and the media
    pipeline reports how far the data plays. Any other box that overruns the file
    (an index claiming gigabytes, a size field too small to be a box) is damage.
    """
    file_size = path.stat().st_size
    position = 0
    with open(path, "rb") as fh:
        for _ in range(MAX_CHECKED_BOXES):
            if position + 8 > file_size:
                return
            fh.seek(position)
            header = fh.read(16)
            size, kind = int.from_bytes(header[:4], "big"), header[4:8]
            if size == 0:  # the box runs to the end of the file
                return
            if size == 1:
                size = int.from_bytes(header[8:16], "big") if len(header) == 16 else 0
                if size < 16:
                    raise UnplayableVideoError(DAMAGED)
            elif size < 8:
                raise UnplayableVideoError(DAMAGED)
            if position + size > file_size and kind != b"mdat":
                raise UnplayableVideoError(DAMAGED)
            position += size


def open_media(path: Path, **options: str) -> av.container.InputContainer:
    """Open a playable MP4 with PyAV: as an MP4 only, from the local file only, pixels capped."""
    options = {"protocol_whitelist": "file", "max_pixels": str(MAX_PIXELS), **options}
    return av.open(str(path), mode="r", format=INPUT_FORMAT, options=options)


def open_upload(path: Path, demuxer: str | None = None) -> av.container.InputContainer:
    """Open user media with PyAV: one of the allowed demuxers (``demuxer`` when given, else
    chosen by content), the local file only, pixels capped, reads under a timeout."""
    options = {
        "protocol_whitelist": "file",
        "format_whitelist": DEMUXERS,
        "max_pixels": str(MAX_PIXELS),
        "probesize": str(PROBE_BYTES),
    }
    return av.open(str(path), mode="r", format=demuxer, options=options, timeout=PROBE_SECONDS)


def limit_decoder(stream: av.VideoStream) -> None:
    """Give the stream's decoder the pixel ceiling and a bounded number of threads."""
    stream.codec_context.options = {"max_pixels": str(MAX_PIXELS)}
    stream.thread_count = DECODER_THREADS


def check_frame_sizes(container: av.container.InputContainer) -> None:
    """422 when any video track claims more pixels than a decoder may allocate.

    Only the first track is played, but a file is refused whole: no step should have
    to remember to skip the others.
    """
    for stream in container.streams.video:
        width, height = stream.codec_context.width, stream.codec_context.height
        if width * height > MAX_PIXELS:
            raise UnplayableVideoError(
                f"This video's frame size ({width}x{height}) is not supported."
            )


def check_media_data(path: Path) -> None:
    """Require the file to reach where its own index or header says it ends (422 if not).

    MP4 and MOV: the end of the last sample the index points at. Matroska, WebM and
    AVI: the end their header gives, when it gives one. Uploads are held to this; the
    pipeline is not, so an original damaged later in storage still fails with how much
    of it plays.
    """
    head = read_head(path)
    end = media_data_end(path) if looks_iso(head) else declared_end(path, head)
    if end is not None and end > path.stat().st_size:
        raise UnplayableVideoError(incomplete_message(claimed_label(head)))


def probe_video(path: Path, demuxer: str | None = None) -> VideoProbe:
    """Open ``path``, find a video stream and decode one frame from it.

    ``demuxer`` names the container when it is known already (the playable MP4, a
    stored original); otherwise the content decides, among the allowed ones.
    """
    head = read_head(path)
    label = claimed_label(head)
    if looks_iso(head):
        check_iso_header(head)
        check_boxes(path)
    # max_pixels reaches the decoders that stream discovery opens, so an oversized frame
    # is refused by libavcodec instead of allocated; the size check below then explains.
    try:
        container = open_upload(path, demuxer)
    except (av.FFmpegError, OSError, ValueError) as exc:
        if label == "video":
            raise NotVideoError(UNKNOWN_FORMAT) from exc
        raise UnplayableVideoError(damaged_message(label)) from exc
    try:
        with container:
            return _inspect(container, head)
    except (NotVideoError, UnplayableVideoError):
        raise
    except (av.FFmpegError, OSError, ValueError, IndexError) as exc:
        raise UnplayableVideoError(damaged_message(label)) from exc


def _inspect(container: av.container.InputContainer, head: bytes) -> VideoProbe:
    """Read stream facts and prove the first video stream decodes."""
    try:
        kind = container_of(container.format.name, head)
    except ValueError:
        raise NotVideoError(UNKNOWN_FORMAT) from None
    if not container.streams.video:
        raise NotVideoError(NO_VIDEO)
    video = container.streams.video[0]
    if video.codec_context is None:
        raise NotVideoError(NO_DECODER)
    width, height = video.codec_context.width, video.codec_context.height
    if width <= 0 or height <= 0:
        raise UnplayableVideoError("This video's frame size is missing or damaged.")
    check_frame_sizes(container)
    limit_decoder(video)
    first = _first_frame(container, video)
    if first is None:
        raise UnplayableVideoError(f"This {kind.label} file's video track cannot be decoded.")
    audio = container.streams.audio[0] if container.streams.audio else None
    audio_context = audio.codec_context if audio is not None else None
    return VideoProbe(
        duration_seconds=_duration(container, video),
        width=width,
        height=height,
        video_codec=video.codec_context.codec.canonical_name,
        audio_codec=audio_context.codec.canonical_name if audio_context is not None else None,
        format_name=container.format.name,
        rotation=int(first.rotation) % 360,
        frame_rate=float(video.average_rate) if video.average_rate else None,
        sample_aspect=float(video.sample_aspect_ratio or 1) or 1.0,
        container=kind.extension,
        pixel_format=first.format.name,
    )


def _duration(container: av.container.InputContainer, video: av.VideoStream) -> float | None:
    if container.duration is not None and container.duration > 0:
        return float(container.duration / av.time_base)
    if video.duration is not None and video.time_base is not None:
        return float(video.duration * video.time_base)
    return None


def _first_frame(
    container: av.container.InputContainer, video: av.VideoStream
) -> av.VideoFrame | None:
    """Decode packets until one frame comes out; give up after a bounded number of packets
    or seconds."""
    deadline = time.monotonic() + PROBE_SECONDS
    for count, packet in enumerate(container.demux(video)):
        if count > PROBE_PACKETS or time.monotonic() > deadline:
            return None
        for frame in packet.decode():
            if isinstance(frame, av.VideoFrame):
                return frame
    return None
