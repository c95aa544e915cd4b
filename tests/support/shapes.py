"""Sources in the shapes the pipeline must handle, generated with ffmpeg (never committed).

Content is ffmpeg's synthetic test pattern at small sizes and fast presets, so even
the two-minute source encodes in seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.support.media import ffmpeg, make_mp4

X264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
AAC = ["-c:a", "aac", "-b:a", "64k"]


def _pattern(size: str, rate: int, seconds: float) -> list[str]:
    return ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}"]


def _tone(seconds: float) -> list[str]:
    return ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]


def moov_at_end(path: Path) -> Path:
    """10 s, 640x360, H.264/AAC, index at the end (as most cameras write it)."""
    return make_mp4(path, seconds=10, size="640x360")


def no_audio(path: Path) -> Path:
    """4 s, 480x270, video only."""
    return make_mp4(path, seconds=4, size="480x270", audio=False, faststart=True)


def portrait_rotated(path: Path) -> Path:
    """4 s, stored 640x360 with a 90° rotation tag, so shown as 360x640 (a phone video)."""
    landscape = make_mp4(path.with_suffix(".landscape.mp4"), seconds=4, size="640x360")
    ffmpeg("-display_rotation", "90", "-i", str(landscape), "-c", "copy", str(path))
    landscape.unlink()
    return path


def odd_size(path: Path) -> Path:
    """3 s, 854x481 (odd height, so 4:4:4 H.264): every output size must become even."""
    ffmpeg(*_pattern("854x480", 25, 3), *_tone(3), "-vf", "scale=854:481,setsar=1",
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv444p", *AAC,
           str(path))  # fmt: skip
    return path


def two_minutes(path: Path) -> Path:
    """120 s at 320x180 and 15 fps: many segments, little work."""
    return make_mp4(path, seconds=120, size="320x180", rate=15)


def hevc(path: Path) -> Path:
    """3 s HEVC (hvc1) with AAC, as recent phones record."""
    ffmpeg(*_pattern("640x360", 25, 3), *_tone(3), "-c:v", "libx265", "-preset", "ultrafast",
           "-x265-params", "log-level=error", "-tag:v", "hvc1", "-pix_fmt", "yuv420p", *AAC,
           str(path))  # fmt: skip
    return path


def sixty_fps(path: Path) -> Path:
    """3 s at 60 fps and 1280x720: 720p keeps 60 fps, lower renditions get 30."""
    return make_mp4(path, seconds=3, size="1280x720", rate=60)


def variable_frame_rate(path: Path) -> Path:
    """4 s whose frames are irregularly spaced (some dropped), muxed as VFR."""
    ffmpeg(*_pattern("480x270", 30, 4), *_tone(4),
           "-vf", "select='lt(mod(n\\,7)\\,4)+lt(n\\,10)',setpts=N/(30*TB)*1.3",
           "-fps_mode", "vfr", *X264, *AAC, "-shortest", str(path))  # fmt: skip
    return path


def full_hd(path: Path) -> Path:
    """2 s at 1920x1080: the whole five-rung ladder."""
    return make_mp4(path, seconds=2, size="1920x1080", rate=25, faststart=True)


def black_start(path: Path) -> Path:
    """8 s, 640x360: 3 s of black, then the test pattern (the poster must skip the black)."""
    ffmpeg("-f", "lavfi", "-i", "color=black:size=640x360:rate=25:duration=3",
           *_pattern("640x360", 25, 5), "-filter_complex", "[0:v][1:v]concat=n=2:v=1[v]",
           "-map", "[v]", *X264, str(path))  # fmt: skip
    return path


def truncated(path: Path) -> Path:
    """A 6 s file (index in front) cut off at 40%: valid headers, most media data missing."""
    whole = make_mp4(path.with_suffix(".whole.mp4"), seconds=6, size="640x360", faststart=True)
    data = whole.read_bytes()
    whole.unlink()
    path.write_bytes(data[: len(data) * 4 // 10])
    return path


SHAPES: dict[str, Callable[[Path], Path]] = {
    "moov_at_end_10s": moov_at_end,
    "no_audio": no_audio,
    "portrait_rotated": portrait_rotated,
    "odd_854x481": odd_size,
    "two_minutes": two_minutes,
    "hevc": hevc,
    "sixty_fps": sixty_fps,
    "variable_frame_rate": variable_frame_rate,
    "full_hd": full_hd,
}
