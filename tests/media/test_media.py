"""The media steps as plain functions: no Flask, no database."""

from __future__ import annotations

import threading
from fractions import Fraction
from pathlib import Path

import pytest

from tests.support.media import make_mp4
from vidstream.media import encoders
from vidstream.media.faststart import moov_at_front, remux_faststart, top_level_boxes
from vidstream.media.ffmpeg import FFmpegError, FFmpegInterrupted, run_ffmpeg
from vidstream.media.hls import (
    EncodeOptions,
    avc_codec_string,
    bandwidth,
    encode_renditions,
    filter_graph,
    master_playlist,
    read_media_playlist,
)
from vidstream.media.ladder import output_fps, plan_ladder
from vidstream.media.storyboard import plan_storyboard, storyboard_vtt


@pytest.mark.parametrize(
    ("size", "fps", "expected"),
    [
        ((1920, 1080), 30.0, ["240p 426x240", "360p 640x360", "480p 854x480", "720p 1280x720",
                              "1080p 1920x1080"]),
        ((3840, 2160), 24.0, ["240p 426x240", "360p 640x360", "480p 854x480", "720p 1280x720",
                              "1080p 1920x1080"]),
        ((854, 481), 25.0, ["240p 426x240", "360p 640x360", "480p 852x480"]),
        ((1080, 1920), 30.0, ["240p 240x426", "360p 360x640", "480p 480x854", "720p 720x1280",
                              "1080p 1080x1920"]),
        ((640, 480), 30.0, ["240p 320x240", "360p 480x360", "480p 640x480"]),
        ((320, 180), 15.0, ["180p 320x180"]),
        ((161, 121), 10.0, ["120p 160x120"]),
    ],
)  # fmt: skip
def test_ladder_is_capped_at_the_source_and_even(
    size: tuple[int, int], fps: float, expected: list[str]
) -> None:
    plan = plan_ladder(*size, fps)
    assert [f"{r.name} {r.width}x{r.height}" for r in plan] == expected
    assert all(r.width % 2 == 0 and r.height % 2 == 0 for r in plan)
    assert [r.video_kbps for r in plan] == sorted(r.video_kbps for r in plan)


def test_frame_rates() -> None:
    assert output_fps(60, 720) == 60 and output_fps(60, 480) == 30
    assert output_fps(120, 1080) == 60 and output_fps(50, 360) == 25
    assert output_fps(59.94005994, 1080) == Fraction(60000, 1001)
    assert output_fps(59.94005994, 240) == Fraction(30000, 1001)
    assert output_fps(None, 720) == 30 and output_fps(0, 720) == 30
    assert output_fps(23.226, 240) == Fraction(23.226).limit_denominator(1001)


def test_filter_graph_splits_once_per_rendition() -> None:
    plan = plan_ladder(1280, 720, 30)
    graph = filter_graph(plan)
    assert graph.startswith("[0:v:0]split=4[s0][s1][s2][s3];")
    assert "[s3]fps=30/1,scale=1280:720,setsar=1[v3]" in graph
    assert filter_graph(plan[:1]) == "[0:v:0]fps=30/1,scale=426:240,setsar=1[v0]"


def test_moov_detection_and_faststart(tmp_path: Path) -> None:
    late = make_mp4(tmp_path / "late.mp4", seconds=1)
    early = make_mp4(tmp_path / "early.mp4", seconds=1, faststart=True)
    assert not moov_at_front(late) and moov_at_front(early)
    moved = tmp_path / "moved.mp4"
    remux_faststart(late, moved)
    assert moov_at_front(moved)
    assert sorted(k for k, _o, _s in top_level_boxes(moved)) == sorted(
        k for k, _o, _s in top_level_boxes(late)
    )


def test_boxes_with_64_bit_sizes_and_damage(tmp_path: Path) -> None:
    path = tmp_path / "boxes.mp4"
    large = (1).to_bytes(4, "big") + b"mdat" + (24).to_bytes(8, "big") + b"\0" * 8
    path.write_bytes(b"\0\0\0\x10ftypisom\0\0\0\0" + large + b"\0\0\0\x08moov" + b"\0\0\0\x03bad!")
    assert [(k, s) for k, _o, s in top_level_boxes(path)] == [
        (b"ftyp", 16), (b"mdat", 24), (b"moov", 8)
    ]  # fmt: skip
    assert not moov_at_front(path)


def test_storyboard_plan_and_index() -> None:
    plan = plan_storyboard(9.5, 1920, 1080)
    assert (plan.interval, plan.count, plan.columns, plan.rows) == (2, 5, 5, 1)
    assert (plan.tile_width, plan.tile_height) == (160, 90)
    long = plan_storyboard(7200, 1080, 1920)
    assert (
        long.count <= 200
        and long.interval == 36
        and (long.tile_width, long.tile_height) == (90, 160)
    )
    assert (long.columns, long.rows) == (10, 20)
    vtt = storyboard_vtt(plan, 9.5, "sprite.jpg")
    assert vtt.startswith("WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nsprite.jpg#xywh=0,0,160,90\n")
    assert vtt.rstrip().endswith("00:00:08.000 --> 00:00:09.500\nsprite.jpg#xywh=640,0,160,90")
    assert "01:59:24.000 --> 02:00:00.000" in storyboard_vtt(long, 7200, "s.jpg")


def test_hls_outputs_and_master_playlist(tmp_path: Path) -> None:
    source = make_mp4(tmp_path / "in.mp4", seconds=9, size="640x360")
    plan = plan_ladder(640, 360, 25)
    seen: list[float] = []
    encode_renditions(source, tmp_path / "hls", plan, EncodeOptions("libx264", True, "ultrafast"),
                      duration=9, on_progress=seen.append)  # fmt: skip
    assert seen and seen == sorted(seen) and seen[-1] == pytest.approx(1.0)
    stats = read_media_playlist(tmp_path / "hls" / "360p" / "index.m3u8")
    assert [round(s, 2) for _n, s in stats.segments] == [4.0, 4.0, 1.0]
    peak, average = bandwidth(tmp_path / "hls" / "360p", stats)
    assert peak >= average > 0
    assert avc_codec_string(tmp_path / "hls" / "360p" / "init.mp4").startswith("avc1.")
    master = master_playlist(tmp_path / "hls", plan, has_audio=True)
    assert master.startswith("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n")
    assert 'RESOLUTION=640x360,FRAME-RATE=25.000,CODECS="avc1.' in master
    assert master.rstrip().endswith("360p/index.m3u8")


def test_ffmpeg_failures_are_told_apart(tmp_path: Path) -> None:
    with pytest.raises(FFmpegError) as failed:
        run_ffmpeg(["-i", str(tmp_path / "missing.mp4"), "-f", "null", "-"])
    assert not isinstance(failed.value, FFmpegInterrupted)
    assert "No such file" in failed.value.detail
    endless = ["-f", "lavfi", "-re", "-i", "testsrc2=size=64x64:rate=5", "-f", "null", "-"]
    with pytest.raises(FFmpegError, match="did not finish within 1 seconds"):
        run_ffmpeg(endless, timeout=1)

    class Stop(Exception):
        pass

    def stop(_fraction: float) -> None:
        raise Stop

    before = threading.active_count()
    with pytest.raises(Stop):
        run_ffmpeg(endless, duration=10, on_progress=stop)
    assert threading.active_count() == before


def test_encoder_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    listing = (
        "Encoders:\n V..... = Video\n ------\n V....D libx264  x264\n"
        " V....D h264_nvenc  NVENC\n A....D aac  AAC\n"
    )
    assert encoders.parse_encoder_list(listing) == {"libx264", "h264_nvenc"}
    assert "libx264" in encoders.listed_encoders()
    assert encoders.encoder_works("libx264") == (True, "")
    assert encoders.choose_encoder("libx264") == "libx264"
    with pytest.raises(encoders.EncoderUnavailable, match="no encoder named"):
        encoders.choose_encoder("h264_nope")
    chosen = encoders.choose_encoder("auto")
    assert chosen in (*encoders.HARDWARE, encoders.SOFTWARE) and encoders.encoder_works(chosen)[0]

    encoders.choose_encoder.cache_clear()
    monkeypatch.setattr(encoders, "listed_encoders", lambda: frozenset(encoders.HARDWARE))
    monkeypatch.setattr(encoders, "encoder_works", lambda name: (name == "h264_qsv", ""))
    assert encoders.choose_encoder("auto") == "h264_qsv"
    encoders.choose_encoder.cache_clear()
    monkeypatch.setattr(encoders, "encoder_works", lambda name: (False, "no device"))
    assert encoders.choose_encoder("auto") == "libx264"
    with pytest.raises(encoders.EncoderUnavailable, match="test encode failed: no device"):
        encoders.choose_encoder("h264_nvenc")
    encoders.choose_encoder.cache_clear()


def test_encoder_arguments_keep_keyframes_aligned() -> None:
    x264 = encoders.video_encoder_args("libx264", bitrate_kbps=800, gop=200, preset="fast")
    assert x264[x264.index("-sc_threshold") :][:2] == ["-sc_threshold", "0"]
    assert x264[x264.index("-maxrate") :][:4] == ["-maxrate", "800k", "-bufsize", "1600k"]
    nvenc = encoders.video_encoder_args("h264_nvenc", bitrate_kbps=800, gop=200)
    assert "-forced-idr" in nvenc and "-no-scenecut" in nvenc
