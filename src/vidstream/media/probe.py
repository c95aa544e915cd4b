"""Deciding whether a file is a playable MP4, and what it contains (PyAV)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av

from vidstream.media.limits import DECODER_THREADS, INPUT_FORMAT, MAX_PIXELS
from vidstream.media.sample_table import media_data_end

# Decoders are told MAX_PIXELS too, so a header that claims more is refused before a
# frame of that size is ever allocated.
# Top-level boxes checked for a size that runs past the end of the file; a file with
# more (a fragment per frame of a long video) has only its first ones checked.
MAX_CHECKED_BOXES = 100_000
DAMAGED = "This MP4 file is damaged or incomplete, so it cannot be played."
INCOMPLETE = (
    "This MP4 file is incomplete: it ends before the video data its index describes. "
    "Was the copy or download interrupted? Upload the whole file."
)


class NotMP4Error(ValueError):
    """The file is not an ISO-BMFF (MP4) container at all."""


class UnplayableVideoError(ValueError):
    """The file is MP4-shaped but has no video stream we can decode."""


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

    @property
    def display_size(self) -> tuple[int, int]:
        """Width and height as shown: non-square pixels stretched, rotation applied."""
        width = max(2, round(self.width * self.sample_aspect))
        if self.rotation % 180:
            return self.height, width
        return width, self.height


def check_ftyp(path: Path) -> None:
    """Require an ISO-BMFF ``ftyp`` box at the very start of the file."""
    with open(path, "rb") as fh:
        head = fh.read(12)
    if len(head) < 12 or head[4:8] != b"ftyp":
        raise NotMP4Error("This file is not an MP4 video. Only MP4 files can be uploaded.")
    box_size = int.from_bytes(head[:4], "big")
    if box_size != 1 and (box_size < 8 or box_size > 4096):
        raise NotMP4Error("This file's MP4 header is damaged.")


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
    """Open user media with PyAV as an MP4 only, from the local file only, pixels capped."""
    options = {"protocol_whitelist": "file", "max_pixels": str(MAX_PIXELS), **options}
    return av.open(str(path), mode="r", format=INPUT_FORMAT, options=options)


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
    """Require the file to hold every sample its index points at (422 if it was cut short).

    Uploads are held to this; the pipeline is not, so an original damaged later in
    storage still fails with how much of it plays.
    """
    end = media_data_end(path)
    if end is not None and end > path.stat().st_size:
        raise UnplayableVideoError(INCOMPLETE)


def probe_video(path: Path) -> VideoProbe:
    """Open ``path`` with PyAV, find a video stream and decode one frame from it."""
    check_ftyp(path)
    check_boxes(path)
    # max_pixels reaches the decoders that stream discovery opens, so an oversized frame
    # is refused by libavcodec instead of allocated; the size check below then explains.
    try:
        with open_media(path, probesize="20000000") as container:
            if "mp4" not in container.format.name and "mov" not in container.format.name:
                raise NotMP4Error("This file is not an MP4 video. Only MP4 files can be uploaded.")
            return _inspect(container)
    except (NotMP4Error, UnplayableVideoError):
        raise
    except (av.FFmpegError, OSError, ValueError, IndexError) as exc:
        raise UnplayableVideoError(DAMAGED) from exc


def _inspect(container: av.container.InputContainer) -> VideoProbe:
    """Read stream facts and prove the first video stream decodes."""
    if not container.streams.video:
        raise UnplayableVideoError("This MP4 file has no video track.")
    video = container.streams.video[0]
    width, height = video.codec_context.width, video.codec_context.height
    if width <= 0 or height <= 0:
        raise UnplayableVideoError("This video's frame size is missing or damaged.")
    check_frame_sizes(container)
    limit_decoder(video)
    first = _first_frame(container, video)
    if first is None:
        raise UnplayableVideoError("This MP4 file's video track cannot be decoded.")
    audio = container.streams.audio[0] if container.streams.audio else None
    duration = None
    if container.duration is not None and container.duration > 0:
        duration = container.duration / av.time_base
    elif video.duration is not None and video.time_base is not None:
        duration = float(video.duration * video.time_base)
    return VideoProbe(
        duration_seconds=duration,
        width=width,
        height=height,
        video_codec=video.codec_context.name,
        audio_codec=audio.codec_context.name if audio is not None else None,
        format_name=container.format.name,
        rotation=int(first.rotation) % 360,
        frame_rate=float(video.average_rate) if video.average_rate else None,
        sample_aspect=float(video.sample_aspect_ratio or 1) or 1.0,
    )


def _first_frame(
    container: av.container.InputContainer, video: av.VideoStream
) -> av.VideoFrame | None:
    """Decode packets until one frame comes out; give up after a bounded number of packets."""
    for count, packet in enumerate(container.demux(video)):
        if count > 300:
            return None
        for frame in packet.decode():
            if isinstance(frame, av.VideoFrame):
                return frame
    return None
