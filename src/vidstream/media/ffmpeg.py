"""Locating the ffmpeg binary."""

from __future__ import annotations

import functools
import shutil


@functools.cache
def ffmpeg_binary() -> str:
    """The ffmpeg on PATH if there is one, else the binary shipped in imageio-ffmpeg."""
    on_path = shutil.which("ffmpeg")
    if on_path:
        return on_path
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())
