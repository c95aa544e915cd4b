"""Captions in the pipeline and in HLS: text tracks inside the upload become captions,
and the master playlist's subtitle group is read by ffmpeg over HTTP."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pysubs2
import pytest
from flask import Flask

from tests.support.accounts import AuthActions
from tests.support.media import ffmpeg, make_mp4
from tests.support.pipeline import parse_master, process_now
from tests.support.sharing import api
from vidstream.jobs.context import Outcome
from vidstream.media.ffmpeg import ffmpeg_binary

SRT = (
    "1\n00:00:00,200 --> 00:00:01,000\nFrom the <i>file</i>\n\n"
    "2\n00:00:01,100 --> 00:00:01,800\nSecond\n"
)
UPLOADED = b"1\n00:00:08,000 --> 00:00:09,000\nUploaded <script>x</script>\n"
TIMING = re.compile(r"^(\d{2,}:)?\d{2}:\d{2}\.\d{3} --> (\d{2,}:)?\d{2}:\d{2}\.\d{3}( .*)?$")


@pytest.fixture(scope="module")
def subtitled_mp4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An MP4 with a mov_text track in Portuguese (made from an SRT) and one in no language."""
    folder = tmp_path_factory.mktemp("subtitled")
    video = make_mp4(folder / "plain.mp4", faststart=True)
    srt = folder / "subs.srt"
    srt.write_text(SRT)
    target = folder / "subtitled.mp4"
    ffmpeg(
        "-i", str(video), "-i", str(srt), "-i", str(srt),
        "-map", "0", "-map", "1", "-map", "2", "-c:v", "copy", "-c:a", "copy",
        "-c:s", "mov_text", "-metadata:s:s:0", "language=por",
        "-metadata:s:s:1", "language=und", "-movflags", "+faststart", str(target),
    )  # fmt: skip
    return target


def strict_webvtt(text: str) -> int:
    """Check ``text`` is well-formed WebVTT (header, cue timings in order); its cue count."""
    blocks = text.replace("\r\n", "\n").strip().split("\n\n")
    assert blocks[0].startswith("WEBVTT")
    starts = []
    for block in blocks[1:]:
        lines = block.split("\n")
        timing = next(line for line in lines if "-->" in line)
        assert TIMING.match(timing), timing
        starts.append(timing.split(" --> ")[0])
    assert starts == sorted(starts)
    parsed = pysubs2.SSAFile.from_string(text, format_="vtt")
    assert len(parsed) == len(starts)
    return len(starts)


def test_text_tracks_in_the_upload_become_captions(auth: AuthActions, subtitled_mp4: Path) -> None:
    auth.signup()
    vid = auth.upload(subtitled_mp4, json=True).get_json()["video"]["id"]
    assert auth.client.get(f"/api/videos/{vid}").status_code == 200
    assert process_now(auth.client.application, vid)[1] is Outcome.READY
    captions = auth.client.get(f"/api/videos/{vid}").get_json()["video"]["captions"]
    assert [(c["language"], c["label"], c["source"]) for c in captions] == [
        ("por", "por", "file"),
        ("und", "und", "file"),
    ]
    text = auth.client.get(captions[0]["url"]).get_data(as_text=True)
    assert strict_webvtt(text) == 2
    assert "From the <i>file</i>" in text


def test_text_tracks_of_an_upload_kept_in_another_format_become_captions(
    auth: AuthActions, tmp_path: Path
) -> None:
    """An MKV's SRT track is read from the upload itself (the MP4 made from it has none)."""
    video = make_mp4(tmp_path / "plain.mp4", faststart=True)
    srt = tmp_path / "subs.srt"
    srt.write_text(SRT)
    target = tmp_path / "subtitled.mkv"
    ffmpeg(
        "-i", str(video), "-i", str(srt), "-map", "0", "-map", "1", "-c:v", "copy",
        "-c:a", "copy", "-c:s", "srt", "-metadata:s:s:0", "language=fre", str(target),
    )  # fmt: skip
    auth.signup()
    vid = auth.upload(target, json=True).get_json()["video"]["id"]
    process_now(auth.client.application, vid)
    captions = auth.client.get(f"/api/videos/{vid}").get_json()["video"]["captions"]
    assert [(c["language"], c["source"]) for c in captions] == [("fre", "file")]
    text = auth.client.get(captions[0]["url"]).get_data(as_text=True)
    assert strict_webvtt(text) == 2 and "Second" in text


def test_ffmpeg_reads_the_subtitle_group_of_the_master_playlist(
    app: Flask, auth: AuthActions, server: str, tmp_path: Path
) -> None:
    """The cue comes late in the video: ffmpeg's HLS reader starts a subtitle playlist only
    once its probe has read into the video, and drops cues before that point."""
    auth.signup()
    video = make_mp4(tmp_path / "v.mp4", seconds=10, faststart=True)
    vid = auth.upload(video, json=True).get_json()["video"]
    vid = vid["id"]
    process_now(app, vid)
    form = {"file": (io.BytesIO(UPLOADED), "en.srt"), "language": "en", "label": 'Eng "CC"'}
    answer = auth.client.post(
        f"/api/videos/{vid}/captions", data=form, headers={"X-CSRFToken": auth.csrf()}
    )
    assert answer.status_code == 201
    master = auth.client.get(f"/media/{vid}/hls/master.m3u8").get_data(as_text=True)
    assert (
        '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",LANGUAGE="en",NAME="Eng \'CC\'",'
        'DEFAULT=NO,AUTOSELECT=YES,URI="subs/en.m3u8"' in master
    )
    assert all(v.attributes["SUBTITLES"] == "subs" for v in parse_master(master))

    cookie = auth.client.get_cookie("vidstream_session")
    assert cookie is not None
    out = tmp_path / "out.vtt"
    result = subprocess.run(
        [ffmpeg_binary(), "-hide_banner", "-nostdin", "-loglevel", "error",
         "-headers", f"Cookie: vidstream_session={cookie.value}\r\n",
         "-i", f"{server}/media/{vid}/hls/master.m3u8", "-map", "0:s:0", "-f", "webvtt",
         str(out)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert strict_webvtt(text) == 1
    assert "Uploaded x" in text and "<script" not in text


def test_the_master_of_a_video_without_captions_is_the_stored_file(
    app: Flask, auth: AuthActions, tmp_path: Path
) -> None:
    auth.signup()
    vid = auth.upload(make_mp4(tmp_path / "v.mp4", faststart=True), json=True).get_json()["video"]
    process_now(app, vid["id"])
    master = auth.client.get(f"/media/{vid['id']}/hls/master.m3u8").get_data(as_text=True)
    assert "SUBTITLES" not in master
    answer = auth.client.post(
        f"/api/videos/{vid['id']}/captions",
        data={"file": (io.BytesIO(UPLOADED), "a.srt"), "language": "en"},
        headers={"X-CSRFToken": auth.csrf()},
    )
    assert answer.status_code == 201
    assert api(auth, "DELETE", f"/api/videos/{vid['id']}/captions/en").status_code == 204
    again = auth.client.get(f"/media/{vid['id']}/hls/master.m3u8").get_data(as_text=True)
    assert again == master
