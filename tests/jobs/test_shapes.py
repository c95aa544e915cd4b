"""Every source shape becomes a ladder that ffmpeg streams over HTTP from the running app."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from tests.support.accounts import AuthActions
from tests.support.pipeline import decode_over_http, parse_master, parse_segments, process_now
from tests.support.shapes import SHAPES
from vidstream.jobs.context import Outcome
from vidstream.media.ladder import LADDER
from vidstream.media.probe import VideoProbe, probe_video

RUNG_NAMES = {f"{side}p" for side, _video in LADDER}
# 60 fps stays 60 from 720p up and halves below it; VFR becomes constant.
FRAME_RATES = {
    "sixty_fps": {"240p": "30.000", "360p": "30.000", "480p": "30.000", "720p": "60.000"},
    "variable_frame_rate": {"240p": "23.226"},
    "two_minutes": {"180p": "15.000"},
}


def _check_variants(master: str, probe: VideoProbe) -> list[str]:
    """BANDWIDTH, RESOLUTION and CODECS present and sane; no upscaling; orientation kept."""
    width, height = probe.display_size
    variants = parse_master(master)
    assert variants
    for variant in variants:
        w, h = variant.size
        assert w % 2 == 0 and h % 2 == 0
        assert min(w, h) <= min(width, height) and max(w, h) <= max(width, height) + 2
        assert (w >= h) == (width >= height)
        assert int(variant.attributes["BANDWIDTH"]) > 0
        codecs = variant.attributes["CODECS"].split(",")
        assert codecs[0].startswith("avc1.")
        assert ("mp4a.40.2" in codecs) == (probe.audio_codec is not None)
    names = [variant.uri.split("/")[0] for variant in variants]
    assert set(names) <= RUNG_NAMES or len(names) == 1
    return names


def _check_alignment(auth: AuthActions, public_id: str, names: list[str]) -> None:
    """Every rendition has the same segments (keyframes aligned), each 4-6 s but the last."""
    segment_lists = []
    for name in names:
        response = auth.client.get(f"/media/{public_id}/hls/{name}/index.m3u8")
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "application/vnd.apple.mpegurl"
        segments = parse_segments(response.get_data(as_text=True))
        assert all(4 <= s <= 6 for _name, s in segments[:-1]), segments
        segment_lists.append([round(s, 2) for _name, s in segments])
    assert all(lengths == segment_lists[0] for lengths in segment_lists)


@pytest.mark.parametrize("shape", list(SHAPES))
def test_shape_streams_over_http(
    app: Flask, auth: AuthActions, server: str, tmp_path: Path, shape: str
) -> None:
    source = SHAPES[shape](tmp_path / f"{shape}.mp4")
    probe = probe_video(source)
    auth.signup()
    public_id = auth.upload(source, json=True).get_json()["video"]["id"]

    assert process_now(app, public_id)[1] is Outcome.READY
    video = auth.client.get(f"/api/videos/{public_id}").get_json()["video"]
    assert video["status"] == "ready", video["status_reason"]
    assert video["processing"] == {"step": "done", "label": "Ready", "progress": 1.0}
    assert (video["width"], video["height"]) == probe.display_size

    master = auth.client.get(video["urls"]["hls"]).get_data(as_text=True)
    names = _check_variants(master, probe)
    _check_alignment(auth, public_id, names)
    if shape in FRAME_RATES:
        rates = {v.uri.split("/")[0]: v.attributes["FRAME-RATE"] for v in parse_master(master)}
        assert rates == FRAME_RATES[shape]

    cookie = auth.client.get_cookie("vidstream_session")
    assert cookie is not None
    decoded = decode_over_http(f"{server}{video['urls']['hls']}", cookie.value)
    assert decoded.returncode == 0 and decoded.errors == "", decoded.errors
    assert probe.duration_seconds is not None
    assert abs(decoded.seconds - probe.duration_seconds) <= 0.5, decoded
