"""Deciding on a copied top rung, and the ffmpeg arguments that copy it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from vidstream.media.copy_rung import SourceVideo, copyable_top, regular_keyframes
from vidstream.media.hls import EncodeOptions, folders, hls_args
from vidstream.media.ladder import plan_ladder
from vidstream.media.probe import VideoProbe

PROBE = VideoProbe(60.0, 1280, 720, "h264", "aac", "mov,mp4", frame_rate=30.0)
WEB = SourceVideo("yuv420p", 2_500_000, tuple(float(t) for t in range(0, 60, 2)), 60.0)


def test_keyframes_must_come_often_from_the_start_to_the_end() -> None:
    assert regular_keyframes((0.0, 4.0, 8.0), 12.0)
    assert not regular_keyframes((0.0, 4.0), 15.0)  # 11 s without one at the end
    assert not regular_keyframes((0.5, 4.0), 6.0)  # the first frame is not one
    assert not regular_keyframes((), 6.0)


def test_only_a_source_that_is_what_the_rung_would_be_is_copied() -> None:
    top = plan_ladder(1280, 720, 30)[-1]
    assert copyable_top(PROBE, WEB, top)
    assert not copyable_top(replace(PROBE, video_codec="hevc"), WEB, top)
    assert not copyable_top(replace(PROBE, rotation=90), WEB, top)
    assert not copyable_top(replace(PROBE, sample_aspect=4 / 3), WEB, top)
    assert not copyable_top(replace(PROBE, frame_rate=120.0), WEB, top)  # halved to 60
    assert not copyable_top(PROBE, replace(WEB, pixel_format="yuv420p10le"), top)
    assert not copyable_top(PROBE, replace(WEB, bit_rate=8_000_000), top)
    assert not copyable_top(PROBE, replace(WEB, keyframes=(0.0, 30.0)), top)
    assert not copyable_top(PROBE, WEB, plan_ladder(1280, 720, 30)[-2])


def test_copy_arguments_and_keyframes_follow_the_source(tmp_path: Path) -> None:
    ladder = plan_ladder(1280, 720, 30)
    ladder[-1] = replace(ladder[-1], copy=True)
    args = hls_args(tmp_path / "in.mp4", tmp_path, ladder, EncodeOptions("libx264", True,
                    keyframes=(0.0, 2.0, 4.0)))  # fmt: skip
    joined = " ".join(args)
    assert "-map 0:v:0 -c:v copy" in joined
    assert joined.count("-force_key_frames 0.000,2.000,4.000") == len(ladder) - 1
    assert args.count("-c:a") == 1 and joined.count("-f hls") == len(ladder) + 1
    assert "split=3" in joined  # the copied rung needs no branch of the filter graph
    assert folders(ladder, True)[-1] == "audio"
    assert joined.count("-hls_playlist_type event") == len(ladder) + 1
