"""Choosing the H.264 encoder: a hardware one when ffmpeg has one that works, else libx264."""

from __future__ import annotations

import functools
import re
import subprocess

from vidstream.media.ffmpeg import ffmpeg_command

SOFTWARE = "libx264"
# Tried in this order by ``auto``; each takes frames from system memory, so the same
# filter graph feeds any of them.
HARDWARE = ("h264_nvenc", "h264_qsv", "h264_videotoolbox", "h264_amf")
_LISTED = re.compile(r"^\s*V[A-Z.]{5}\s+(\S+)", re.MULTILINE)


class EncoderUnavailable(RuntimeError):
    """The configured encoder is not in this ffmpeg, or its test encode failed."""


def parse_encoder_list(text: str) -> frozenset[str]:
    """Names of the video encoders in the output of ``ffmpeg -encoders``."""
    return frozenset(_LISTED.findall(text.split("------", 1)[-1]))


@functools.cache
def listed_encoders() -> frozenset[str]:
    """The video encoders this ffmpeg was built with (which may lack the hardware for them)."""
    result = subprocess.run(
        ffmpeg_command(["-encoders"]), capture_output=True, text=True, timeout=30, check=False
    )
    return parse_encoder_list(result.stdout)


def probe_encode_args(encoder: str) -> list[str]:
    """A tiny encode that proves ``encoder`` works on this machine, not just in the build."""
    return [
        "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25:duration=0.4",
        "-pix_fmt", "yuv420p", "-c:v", encoder, "-f", "null", "-",
    ]  # fmt: skip


def encoder_works(encoder: str) -> tuple[bool, str]:
    """Run the test encode; return whether it worked and what ffmpeg said if not."""
    try:
        result = subprocess.run(
            ffmpeg_command(probe_encode_args(encoder)),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return False, "the test encode did not finish within 60 seconds"
    # The first lines name the cause (a missing driver library, say).
    return result.returncode == 0, result.stderr.strip()[:600]


@functools.cache
def choose_encoder(setting: str) -> str:
    """The encoder to use for ``VIDSTREAM_VIDEO_ENCODER`` (``auto`` or a name), checked once.

    ``auto`` takes the first hardware encoder whose test encode succeeds, else libx264.
    A named encoder must pass its test encode, or :class:`EncoderUnavailable` says why.
    """
    listed = listed_encoders()
    if setting == "auto":
        for candidate in HARDWARE:
            if candidate in listed and encoder_works(candidate)[0]:
                return candidate
        return SOFTWARE
    if setting not in listed:
        raise EncoderUnavailable(f"ffmpeg has no encoder named {setting!r}")
    works, detail = encoder_works(setting)
    if not works:
        raise EncoderUnavailable(f"the {setting} test encode failed: {detail or 'no message'}")
    return setting


def video_encoder_args(
    encoder: str, *, bitrate_kbps: int, gop: int, preset: str = "veryfast"
) -> list[str]:
    """Codec options for one rendition: capped quality, keyframes only where they are forced.

    ``gop`` is a ceiling well above the forced keyframe interval; scene-cut keyframes are
    off, so every rendition has keyframes at exactly the same instants.
    """
    rate = [
        "-maxrate", f"{bitrate_kbps}k", "-bufsize", f"{bitrate_kbps * 2}k",
        "-g", str(gop), "-pix_fmt", "yuv420p",
    ]  # fmt: skip
    if encoder == SOFTWARE:
        return ["-c:v", encoder, "-preset", preset, "-crf", "22", "-profile:v", "high",
                "-keyint_min", str(gop), "-sc_threshold", "0", *rate]  # fmt: skip
    if encoder == "h264_nvenc":
        return ["-c:v", encoder, "-preset", "p4", "-rc", "vbr", "-cq", "23",
                "-b:v", f"{bitrate_kbps * 3 // 4}k", "-profile:v", "high",
                "-no-scenecut", "1", "-forced-idr", "1", *rate]  # fmt: skip
    return ["-c:v", encoder, "-b:v", f"{bitrate_kbps * 3 // 4}k", *rate]
