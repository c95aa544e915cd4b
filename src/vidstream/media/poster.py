"""The poster and thumbnail: one representative frame, never a black or blank one.

Openings fade in from black and many videos end on black, so candidate instants
are tried in a fixed order and the first frame with visible detail wins; failing
that, the most detailed candidate does.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import av

from vidstream.media.ffmpeg import input_args, run_ffmpeg
from vidstream.media.probe import limit_decoder, open_media

# Fractions of the duration to try, best guesses first.
CANDIDATES = (0.1, 0.25, 0.5, 0.75, 0.05, 0.9, 0.0)
POSTER_MAX = 1280
THUMB_MAX = 320
_DECODE_LIMIT = 600


def luma_stats(frame: av.VideoFrame) -> tuple[float, float]:
    """Mean and standard deviation of brightness (0-255) over a 32x18 miniature."""
    small = frame.reformat(width=32, height=18, format="gray")
    plane = small.planes[0]
    data = bytes(plane)
    pixels = [
        v for row in range(18) for v in data[row * plane.line_size : row * plane.line_size + 32]
    ]
    return statistics.fmean(pixels), statistics.pstdev(pixels)


def is_blank(mean: float, deviation: float) -> bool:
    """Whether a frame is (almost) one flat colour, or nearly black."""
    return deviation < 10 or mean < 24


def _frame_near(
    container: av.container.InputContainer, stream: av.VideoStream, seconds: float
) -> av.VideoFrame | None:
    """The first frame at or after ``seconds`` (seek to the keyframe before, then decode)."""
    if stream.time_base is not None and seconds > 0:
        container.seek(int(seconds / stream.time_base), stream=stream, backward=True)
    last = None
    for count, frame in enumerate(container.decode(stream)):
        last = frame
        if frame.time is None or frame.time >= seconds - 0.001 or count > _DECODE_LIMIT:
            return frame
    return last


def pick_poster_time(path: Path, duration: float | None) -> float:
    """The instant (seconds) of the first non-blank candidate frame, or the most detailed."""
    best_time, best_detail = 0.0, -1.0
    with open_media(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        limit_decoder(stream)
        for fraction in CANDIDATES:
            target = (duration or 0.0) * fraction
            frame = _frame_near(container, stream, target)
            if frame is None:
                continue
            at = frame.time if frame.time is not None else target
            mean, deviation = luma_stats(frame)
            if not is_blank(mean, deviation):
                return max(0.0, at)
            if deviation > best_detail:
                best_time, best_detail = max(0.0, at), deviation
    return best_time


def _fit(limit: int) -> str:
    return (
        f"scale=w='min({limit},iw)':h='min({limit},ih)':force_original_aspect_ratio=decrease"
        ":force_divisible_by=2"
    )


def poster_args(source: Path, seconds: float, poster: Path, thumbnail: Path) -> list[str]:
    """ffmpeg arguments writing the frame at ``seconds`` as a JPEG poster and thumbnail."""
    # Full range, as JPEG is (the JPEG encoder refuses frames tagged limited range).
    graph = (
        f"[0:v:0]scale=iw*sar:ih:out_range=full,setsar=1,split=2[a][b];"
        f"[a]{_fit(POSTER_MAX)}[p];[b]{_fit(THUMB_MAX)}[t]"
    )
    return [
        "-ss", f"{seconds:.3f}", *input_args(source), "-filter_complex", graph,
        "-map", "[p]", "-frames:v", "1", "-q:v", "3", "-update", "1", "-map_metadata", "-1",
        str(poster),
        "-map", "[t]", "-frames:v", "1", "-q:v", "4", "-update", "1", "-map_metadata", "-1",
        str(thumbnail),
    ]  # fmt: skip


def write_poster(
    source: Path, poster: Path, thumbnail: Path, *, duration: float | None, timeout: float
) -> float:
    """Write the poster and thumbnail JPEGs; return the instant they show."""
    seconds = pick_poster_time(source, duration)
    run_ffmpeg(poster_args(source, seconds, poster, thumbnail), timeout=timeout)
    if not poster.exists() or not thumbnail.exists():
        raise ValueError("no frame could be decoded for the poster")
    return seconds
