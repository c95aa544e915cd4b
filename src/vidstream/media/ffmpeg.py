"""Locating and running the ffmpeg binary."""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Sequence

ProgressCallback = Callable[[float], None]

# ffmpeg exits with 255 when a signal asked it to stop.
_INTERRUPTED = 255


class FFmpegError(RuntimeError):
    """ffmpeg could not do the job; ``detail`` is the end of what it wrote to stderr."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


class FFmpegInterrupted(FFmpegError):
    """ffmpeg was stopped by a signal (a worker shutting down), not by its input."""


@functools.cache
def ffmpeg_binary() -> str:
    """The ffmpeg on PATH if there is one, else the binary shipped in imageio-ffmpeg."""
    on_path = shutil.which("ffmpeg")
    if on_path:
        return on_path
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def ffmpeg_command(args: Sequence[str]) -> list[str]:
    """The full argv for ffmpeg ``args``: quiet, never interactive, overwriting outputs."""
    return [ffmpeg_binary(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args]


def run_ffmpeg(
    args: Sequence[str],
    *,
    duration: float | None = None,
    on_progress: ProgressCallback | None = None,
    timeout: float | None = None,
) -> None:
    """Run ffmpeg, reporting the fraction done to ``on_progress`` from ``-progress`` output.

    An exception raised by ``on_progress`` (or in this thread, such as a time limit)
    kills ffmpeg before it propagates, so no encoder outlives the job that started it.
    """
    argv = ffmpeg_command(["-progress", "pipe:1", "-nostats", *args])
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr
        )
        expired = threading.Event()
        timer = threading.Timer(timeout or 0, _expire, (process, expired))
        if timeout:
            timer.start()
        try:
            _follow_progress(process, duration, on_progress)
            code = process.wait()
        except BaseException:
            process.kill()
            process.wait()
            raise
        finally:
            timer.cancel()
        stderr.seek(0)
        detail = stderr.read()[-4000:].decode("utf-8", "replace").strip()
    _check_exit(code, detail, expired.is_set(), timeout)


def _expire(process: subprocess.Popen[bytes], expired: threading.Event) -> None:
    expired.set()
    process.kill()


def _follow_progress(
    process: subprocess.Popen[bytes], duration: float | None, on_progress: ProgressCallback | None
) -> None:
    """Read ``key=value`` progress lines until ffmpeg closes its output."""
    assert process.stdout is not None
    with process.stdout:
        for raw in process.stdout:
            key, _, value = raw.decode("ascii", "replace").strip().partition("=")
            if key != "out_time_us" or not on_progress or not duration or not value.isdigit():
                continue
            on_progress(min(1.0, int(value) / 1e6 / duration))


def _check_exit(code: int, detail: str, expired: bool, timeout: float | None) -> None:
    if expired:
        raise FFmpegError(f"ffmpeg did not finish within {timeout:.0f} seconds", detail)
    if code < 0 or code == _INTERRUPTED:
        raise FFmpegInterrupted(f"ffmpeg was stopped (exit status {code})", detail)
    if code != 0:
        raise FFmpegError(f"ffmpeg failed with exit status {code}", detail)
