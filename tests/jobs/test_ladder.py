"""The ladder of issue 16: one shared audio rendition, a copied top rung, published as it grows."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import av
import pytest
from flask import Flask
from sqlalchemy import select, update

from tests.conftest import AuthActions
from tests.support.media import ffmpeg
from tests.support.pipeline import decode_over_http, parse_master, parse_segments, process_now
from vidstream import current
from vidstream.extensions import db
from vidstream.jobs import progressive, records
from vidstream.jobs.context import Outcome
from vidstream.media import hls
from vidstream.media_index import forget_media
from vidstream.models import Video, VideoStatus


def _upload(auth: AuthActions, source: Path) -> str:
    auth.signup()
    public_id: str = auth.upload(source, json=True).get_json()["video"]["id"]
    return public_id


def _web_ready(path: Path, seconds: int = 9) -> Path:
    """640x360 H.264 within the 360p rung's bit rate, a keyframe every 2 s, with sound."""
    ffmpeg("-f", "lavfi", "-i", f"testsrc2=size=640x360:rate=25:duration={seconds}",
           "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}",
           "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "300k", "-maxrate", "400k",
           "-bufsize", "800k", "-g", "50", "-keyint_min", "50", "-sc_threshold", "0",
           "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", str(path))  # fmt: skip
    return path


def _video_packets(path: Path) -> list[str]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [hashlib.sha256(bytes(p)).hexdigest() for p in container.demux(stream) if p.size]


def _rung_as_file(app: Flask, public_id: str, rung: str, out: Path) -> Path:
    """The rung's init section and segments, concatenated: one fragmented MP4."""
    storage = current.storage(app)
    folder = storage.path(f"videos/{public_id}/hls/{rung}/index.m3u8").parent
    names = [name for name, _s in parse_segments((folder / "index.m3u8").read_text())]
    out.write_bytes(b"".join((folder / n).read_bytes() for n in ["init.mp4", *names]))
    return out


def test_audio_is_one_rendition_group_every_rung_names(
    app: Flask, auth: AuthActions, mallory: AuthActions, server: str, tmp_path: Path
) -> None:
    source = _web_ready(tmp_path / "talk.mp4")
    public_id = _upload(auth, source)
    assert process_now(app, public_id)[1] is Outcome.READY
    master = auth.client.get(f"/media/{public_id}/hls/master.m3u8").get_data(as_text=True)
    media = [line for line in master.splitlines() if line.startswith("#EXT-X-MEDIA:")]
    assert len(media) == 1
    assert 'TYPE=AUDIO,GROUP-ID="audio"' in media[0] and 'URI="audio/index.m3u8"' in media[0]
    variants = parse_master(master)
    assert [v.uri for v in variants] == ["240p/index.m3u8", "360p/index.m3u8"]
    assert all(v.attributes["AUDIO"] == "audio" for v in variants)
    # The video rungs hold no sound of their own; the audio rendition holds nothing else.
    rung = _rung_as_file(app, public_id, "240p", tmp_path / "240p.mp4")
    with av.open(str(rung)) as container:
        assert not container.streams.audio
    sound = _rung_as_file(app, public_id, "audio", tmp_path / "audio.mp4")
    with av.open(str(sound)) as container:
        assert not container.streams.video and container.streams.audio

    cookie = auth.client.get_cookie("vidstream_session")
    assert cookie is not None
    decoded = decode_over_http(f"{server}/media/{public_id}/hls/master.m3u8", cookie.value)
    assert decoded.returncode == 0, decoded.errors
    assert decoded.seconds == pytest.approx(9, abs=0.6)
    audio = f"/media/{public_id}/hls/audio/index.m3u8"
    assert auth.client.get(audio).status_code == 200
    assert mallory.client.get(audio).status_code == 404
    assert app.test_client().get(audio).status_code == 401


def test_a_web_ready_source_is_copied_as_the_top_rung(
    app: Flask, auth: AuthActions, tmp_path: Path
) -> None:
    source = _web_ready(tmp_path / "web.mp4")
    public_id = _upload(auth, source)
    assert process_now(app, public_id)[1] is Outcome.READY
    top = _rung_as_file(app, public_id, "360p", tmp_path / "top.mp4")
    assert _video_packets(top) == _video_packets(source)
    # The encoded rung has its keyframes where the source has them: segments line up.
    lengths = []
    for rung in ("240p", "360p"):
        playlist = auth.client.get(f"/media/{public_id}/hls/{rung}/index.m3u8")
        lengths.append([round(s, 2) for _n, s in parse_segments(playlist.get_data(as_text=True))])
    assert lengths[0] == lengths[1] and len(lengths[0]) > 1


def test_a_source_over_the_rung_bit_rate_is_encoded(
    app: Flask, auth: AuthActions, tmp_path: Path
) -> None:
    source = tmp_path / "heavy.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=640x360:rate=25:duration=4",
           "-vf", "noise=alls=40:allf=t", "-c:v", "libx264", "-preset", "ultrafast",
           "-b:v", "3M", "-g", "50", "-pix_fmt", "yuv420p", str(source))  # fmt: skip
    public_id = _upload(auth, source)
    assert process_now(app, public_id)[1] is Outcome.READY
    top = _rung_as_file(app, public_id, "360p", tmp_path / "top.mp4")
    assert _video_packets(top) != _video_packets(source)


def test_the_ladder_is_served_while_it_grows(
    app: Flask, auth: AuthActions, mallory: AuthActions, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    source = _web_ready(tmp_path / "long.mp4", seconds=20)
    public_id = _upload(auth, source)
    base = f"/media/{public_id}/hls/"
    # Look at every progress report, and have ffmpeg read its input no faster than
    # 5x real time, so that the encode spans several reports.
    monkeypatch.setattr(progressive, "POLL_SECONDS", 0.0)
    real_input = hls.input_args
    monkeypatch.setattr(hls, "input_args", lambda path: ["-readrate", "5", *real_input(path)])
    snapshots: list[str] = []
    real_publish = records.publish_renditions
    seen: dict[str, Any] = {}

    def announced(facts: Any, names: list[str]) -> None:
        real_publish(facts, names)
        video = auth.client.get(f"/api/videos/{public_id}").get_json()["video"]
        seen.update(status=video["status"], urls=video["urls"])
        seen["master"] = auth.client.get(base + "master.m3u8")
        seen["stranger"] = mallory.client.get(base + "master.m3u8").status_code

    real_poll = progressive.LadderPublisher.poll

    def poll_then_look(self: progressive.LadderPublisher) -> None:
        real_poll(self)
        if not self.announced:
            return
        playlist = auth.client.get(base + "240p/index.m3u8")
        assert playlist.status_code == 200
        assert playlist.headers["Cache-Control"] == "private, no-store"
        text = playlist.get_data(as_text=True)
        listed = [name for name, _s in parse_segments(text)]
        for name in listed:
            assert auth.client.head(f"{base}240p/{name}").status_code == 200
        # The next segment is not stored yet: a plain 404.
        assert auth.client.get(f"{base}240p/seg_{len(listed):05d}.m4s").status_code == 404
        if not snapshots or snapshots[-1] != text:
            snapshots.append(text)

    monkeypatch.setattr(records, "publish_renditions", announced)
    monkeypatch.setattr(progressive.LadderPublisher, "poll", poll_then_look)
    assert process_now(app, public_id)[1] is Outcome.READY

    assert seen["status"] == "processing" and "hls" in seen["urls"]
    assert seen["master"].status_code == 200 and seen["stranger"] == 404
    assert seen["master"].headers["Cache-Control"] == "private, no-store"
    assert len(parse_master(seen["master"].get_data(as_text=True))) == 2
    growing = [s for s in snapshots if "#EXT-X-ENDLIST" not in s]
    assert len(growing) >= 2, snapshots
    final = auth.client.get(base + "240p/index.m3u8")
    assert final.headers["Cache-Control"] == "private, max-age=3600"
    final_segments = parse_segments(final.get_data(as_text=True))
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in final.get_data(as_text=True)
    for text in growing:
        assert text.startswith("#EXTM3U") and "#EXT-X-PLAYLIST-TYPE:EVENT" in text
        assert "#EXT-X-MAP:URI=" in text
        assert parse_segments(text) == final_segments[: len(parse_segments(text))]
    counts = [len(parse_segments(text)) for text in growing]
    assert counts == sorted(counts) and counts[0] < counts[-1]


@pytest.mark.parametrize("settings_overrides", [{}, {"accel_redirect": "/_protected/"}])
def test_a_growing_playlist_is_never_kept_nor_revalidated_stale(
    app: Flask, auth: AuthActions, sample_mp4: Path
) -> None:
    public_id = _upload(auth, sample_mp4)
    storage = current.storage(app)
    playlist = "#EXTM3U\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXTINF:4.0,\nseg_00000.m4s\n"
    path = storage.path(f"videos/{public_id}/hls/240p/index.m3u8")
    path.parent.mkdir(parents=True)
    path.write_text(playlist)
    with app.app_context():
        video = db.session.scalars(select(Video).where(Video.public_id == public_id)).one()
        video.status, video.renditions, video.assets_version = (
            VideoStatus.PROCESSING,
            "240p",
            "v1",
        )
        db.session.commit()
        forget_media(public_id)
    url = f"/media/{public_id}/hls/240p/index.m3u8"
    first = auth.client.get(url)
    assert first.headers["Cache-Control"] == "private, no-store"
    path.write_text(playlist + "#EXTINF:4.0,\nseg_00001.m4s\n")
    if "X-Accel-Redirect" not in first.headers:
        again = auth.client.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 200 and "seg_00001.m4s" in again.get_data(as_text=True)
    assert auth.client.get(f"/media/{public_id}/hls/240p/seg_00001.m4s").status_code == 404
    with app.app_context():
        db.session.execute(
            update(Video).where(Video.public_id == public_id).values(status=VideoStatus.READY)
        )
        db.session.commit()
        forget_media(public_id)
    assert auth.client.get(url).headers["Cache-Control"] == "private, max-age=3600"
