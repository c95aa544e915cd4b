"""Locating and running the ffmpeg binary, and how it may open user media."""

from __future__ import annotations

import functools
import resource
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from vidstream.media.limits import (
    DECODER_THREADS,
    FFMPEG_MEMORY_BYTES,
    INPUT_FORMAT,
    MAX_PIXELS,
    PROTOCOLS,
)

ProgressCallback = Callable[[float], None]

# ffmpeg exits with 255 when a signal asked it to stop.
_INTERRUPTED = 255
# Signals that stop ffmpeg because its worker is shutting down; any other signal (the
# kernel's SIGKILL when memory ran out, a crash) is about the input.
_SHUTDOWN_SIGNALS = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT}


class FFmpegError(RuntimeError):
    """ffmpeg could not do the job; ``detail`` is the end of what it wrote to stderr."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail


class FFmpegInterrupted(FFmpegError):
    """ffmpeg was stopped by a signal (a worker shutting down), not by its input."""


class FFmpegKilled(FFmpegError):
    """ffmpeg died of a signal nobody here sent: out of memory, or a crash on its input."""


def input_args(source: Path, demuxer: str = INPUT_FORMAT) -> list[str]:
    """``-i source`` with what every open of user media needs.

    The format is named (the playable MP4's, or the one the probe found in an upload
    among the allowed ones), so a file that is secretly an HLS playlist or a concat script
    is never read as one; only local files may be opened, so no input can make ffmpeg
    fetch a URL or another file; and the decoder gets the pixel and thread limits.
    """
    return [
        "-f", demuxer, "-protocol_whitelist", PROTOCOLS,
        "-max_pixels", str(MAX_PIXELS), "-threads", str(DECODER_THREADS),
        "-i", str(source),
    ]  # fmt: skip


def _limit_memory() -> None:
    """In the child, before exec: cap the memory ffmpeg may map.

    RLIMIT_DATA rather than RLIMIT_AS: address space also counts the arenas glibc
    reserves per thread without using them, which grows with the encoder's threads.
    """
    resource.setrlimit(resource.RLIMIT_DATA, (FFMPEG_MEMORY_BYTES, FFMPEG_MEMORY_BYTES))


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
    An ffmpeg killed by a signal nobody here sent is given one more run (the machine
    may only have been short of memory for a moment); killed again, it is the input's
    fault, and :class:`FFmpegKilled` ends the video as a media failure.
    """
    try:
        _run_once(args, duration, on_progress, timeout)
    except FFmpegKilled:
        _run_once(args, duration, on_progress, timeout)


def _run_once(
    args: Sequence[str],
    duration: float | None,
    on_progress: ProgressCallback | None,
    timeout: float | None,
) -> None:
    argv = ffmpeg_command(["-progress", "pipe:1", "-nostats", *args])
    with tempfile.TemporaryFile() as stderr:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            preexec_fn=_limit_memory,
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
    if code == _INTERRUPTED or -code in _SHUTDOWN_SIGNALS:
        raise FFmpegInterrupted(f"ffmpeg was stopped (exit status {code})", detail)
    if code < 0:
        raise FFmpegKilled(f"ffmpeg was killed by signal {-code}", detail)
    if code != 0:
        raise FFmpegError(f"ffmpeg failed with exit status {code}", detail)
