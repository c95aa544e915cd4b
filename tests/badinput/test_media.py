"""Files that are not videos vidstream reads, or are damaged, by form and by tus: a quick
415 or 422 saying why, no giant allocation on the way, and nothing left behind."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask import Flask

from tests.support.accounts import AuthActions
from tests.support.hostile_media import HOSTILE_MEDIA
from tests.support.leftovers import nothing_left_behind
from tests.support.tus import Tus, b64

NOT_A_VIDEO = "This file is not a video vidstream can read: it is not in any of the formats"
NO_VIDEO = "This file is not a video vidstream can read: it has no video track."
DAMAGED = "This MP4 file is damaged or incomplete"
INCOMPLETE = "This MP4 file is incomplete: it ends before the video data its index describes."
# case -> status and the message (or its start) the uploader sees
EXPECTED: dict[str, tuple[int, str]] = {
    "zero_bytes": (422, "The file is empty."),
    "text_renamed": (415, NOT_A_VIDEO),
    "header_only": (422, DAMAGED),
    "cut_in_index": (422, DAMAGED),
    "cut_before_index": (422, DAMAGED),
    "cut_short": (422, INCOMPLETE),
    "png_renamed": (415, NOT_A_VIDEO),
    "wav_renamed": (415, NOT_A_VIDEO),
    "dash_manifest": (415, NOT_A_VIDEO),
    "mkv_cut_short": (422, "This MKV file is incomplete: it ends before the end its header"),
    "webm_cut_short": (422, "This WebM file is incomplete: it ends before the end its header"),
    "audio_only": (415, NO_VIDEO),
    "claims_100000x100000": (422, "This video's frame size is missing or damaged."),
    "claims_16000x16000": (422, "This video's frame size (16000x16000) is not supported."),
    "second_track_16000x16000": (422, "This video's frame size (16000x16000) is not supported."),
    "mkv_claims_16000x16000": (422, "This video's frame size (16000x16000) is not supported."),
    "ftyp_size_4gib": (415, "This file's MP4 header is damaged."),
    "moov_size_0xfffffff0": (422, DAMAGED),
    "moov_largesize_2e62": (422, DAMAGED),
    "mdat_largesize_2e62": (422, DAMAGED),
}
# Refusing a file is a probe, not a decode: generous for a loaded CI machine.
QUICK_SECONDS = 5.0


def test_every_hostile_file_has_an_expectation() -> None:
    assert EXPECTED.keys() == HOSTILE_MEDIA.keys()


@pytest.mark.parametrize("case", EXPECTED)
def test_form_upload_refuses(
    app: Flask, auth: AuthActions, hostile_media: dict[str, Path], case: str
) -> None:
    status, message = EXPECTED[case]
    auth.signup()
    with nothing_left_behind(app):
        started = time.monotonic()
        response = auth.upload(hostile_media[case], json=True)
        elapsed = time.monotonic() - started
    assert response.status_code == status
    assert response.get_json()["error"]["message"].startswith(message)
    assert elapsed < QUICK_SECONDS


@pytest.mark.parametrize("case", EXPECTED)
def test_tus_completion_refuses(
    app: Flask, tus: Tus, hostile_media: dict[str, Path], case: str
) -> None:
    status, message = EXPECTED[case]
    data = hostile_media[case].read_bytes()
    with nothing_left_behind(app):
        started = time.monotonic()
        if data:
            response = tus.patch(tus.new(len(data)), 0, data)
        else:  # an empty upload is complete the moment it is created
            response = tus.create(0, f"filename {b64('empty.mp4')}")
        elapsed = time.monotonic() - started
    assert response.status_code == status
    assert response.get_json()["error"]["message"].startswith(message)
    assert elapsed < QUICK_SECONDS


# Probes in a fresh interpreter and prints the error, then its own peak memory in KiB:
# VmHWM, the high-water mark of this program's memory since exec (getrusage's
# ru_maxrss would also count the pages of pytest it was forked from: several hundred
# MiB late in a full run).
PROBE_IN_CHILD = """
import re, sys
from pathlib import Path
from vidstream.media.probe import UnplayableVideoError, probe_video
try:
    probe_video(Path(sys.argv[1]))
except UnplayableVideoError as error:
    print(error)
print(re.search(r"VmHWM:\\s+(\\d+) kB", Path("/proc/self/status").read_text()).group(1))
"""


@pytest.mark.parametrize("case", ["claims_16000x16000", "mkv_claims_16000x16000"])
def test_a_claimed_giant_frame_is_refused_before_it_is_allocated(
    hostile_media: dict[str, Path], case: str
) -> None:
    """16000x16000 passes libavcodec's own size guard: one such frame takes 384 MiB, and
    decoding one costs over 700 MiB. The probe must refuse it before any frame exists:
    the interpreter and its imports take about 170 MiB, and opening the decoder may add
    its per-macroblock tables (up to about 250 MiB at this size), never a frame."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE_IN_CHILD, str(hostile_media[case])],
        capture_output=True,
        text=True,
        check=True,
    )
    message, peak_kib = result.stdout.strip().splitlines()
    assert "(16000x16000) is not supported" in message
    assert int(peak_kib) < 512 * 1024, f"peak memory {int(peak_kib) // 1024} MiB"
