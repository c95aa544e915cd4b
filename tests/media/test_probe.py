"""Probing decides what counts as a playable MP4."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.media import make_audio_only_mp4, make_mp4, make_webm
from vidstream.media.probe import NotVideoError, probe_video


def test_probe_reads_stream_facts(sample_mp4: Path) -> None:
    probe = probe_video(sample_mp4)
    assert (probe.width, probe.height) == (320, 240)
    assert probe.video_codec == "h264" and probe.audio_codec == "aac"
    assert probe.duration_seconds == pytest.approx(2.0, abs=0.2)


def test_probe_without_audio_and_with_moov_at_front(tmp_path: Path) -> None:
    probe = probe_video(make_mp4(tmp_path / "a.mp4", audio=False, faststart=True, size="160x90"))
    assert probe.audio_codec is None and (probe.width, probe.height) == (160, 90)


def test_a_webm_named_mp4_is_read_as_the_webm_it_is(tmp_path: Path) -> None:
    probe = probe_video(make_webm(tmp_path / "a.mp4"))
    assert (probe.container, probe.video_codec) == ("webm", "vp9")
    assert not probe.is_playable_mp4


def test_audio_only_mp4_has_no_video(tmp_path: Path) -> None:
    with pytest.raises(NotVideoError, match="no video track"):
        probe_video(make_audio_only_mp4(tmp_path / "a.mp4"))


def test_huge_claimed_ftyp_box(tmp_path: Path) -> None:
    path = tmp_path / "a.mp4"
    path.write_bytes(b"\x7f\xff\xff\xffftypisom" + b"\0" * 100)
    with pytest.raises(NotVideoError, match="damaged"):
        probe_video(path)
