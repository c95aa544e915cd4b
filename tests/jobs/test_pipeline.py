"""What the pipeline does to a video's state, its files and its access rules."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import av
import pytest
from flask import Flask
from sqlalchemy import select

from tests.support.accounts import AuthActions
from tests.support.media import make_mp4
from tests.support.pipeline import decode_over_http, process_now, video_id
from tests.support.shapes import SHAPES, black_start, truncated
from vidstream import current
from vidstream.extensions import db
from vidstream.jobs import pipeline, steps
from vidstream.jobs.context import Outcome
from vidstream.media.faststart import moov_at_front
from vidstream.media.poster import is_blank, luma_stats
from vidstream.models import ProcessingStep, Video, VideoJob
from vidstream.services.stream.logic import delete_video


def _upload(auth: AuthActions, source: Path) -> dict[str, Any]:
    video: dict[str, Any] = auth.upload(source, json=True).get_json()["video"]
    return video


def _keys(app: Flask) -> list[str]:
    keys = current.storage(app).list_keys("")
    return keys


def _video_packets(path: Path) -> list[str]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        return [hashlib.sha256(bytes(p)).hexdigest() for p in container.demux(stream) if p.size]


def test_faststart_moves_the_index_without_reencoding(
    app: Flask, auth: AuthActions, tmp_path: Path
) -> None:
    source = SHAPES["portrait_rotated"](tmp_path / "phone.mp4")
    assert not moov_at_front(source)
    auth.signup()
    video = _upload(auth, source)
    assert video["status"] == "validating"
    original = f"/media/{video['id']}/original.mp4"
    assert auth.client.get(original).status_code == 409
    first_etag = auth.client.get(f"/api/videos/{video['id']}").get_json()["video"]

    with app.app_context():
        assert pipeline.run_stage(video_id(app, video["id"]), pipeline.prepare) is Outcome.PLAYABLE
    served = auth.client.get(original)
    assert served.status_code == 200
    stored = tmp_path / "stored.mp4"
    stored.write_bytes(served.data)
    assert moov_at_front(stored)
    assert _video_packets(stored) == _video_packets(source)
    with av.open(str(stored)) as container:
        frame = next(container.decode(video=0))
        assert frame.rotation in (90, -90, 270)
    after = auth.client.get(f"/api/videos/{video['id']}").get_json()["video"]
    assert after["status"] == "ready_original"
    assert after["size_bytes"] == len(served.data)
    assert served.headers["ETag"] != first_etag.get("etag")
    assert (after["width"], after["height"]) == (360, 640)


def test_faststart_gives_the_original_a_new_etag(
    app: Flask, auth: AuthActions, tmp_path: Path
) -> None:
    source = SHAPES["moov_at_end_10s"](tmp_path / "camera.mp4")
    auth.signup()
    public_id = _upload(auth, source)["id"]
    with app.app_context():
        before = db.session.scalar(select(Video.etag).where(Video.public_id == public_id))
        pipeline.run_stage(video_id(app, public_id), pipeline.prepare)
        after = db.session.scalar(select(Video.etag).where(Video.public_id == public_id))
        job = db.session.scalars(select(VideoJob)).one()
        assert (job.step, job.progress) == ("faststart", pytest.approx(0.05))
    assert before and after and before != after
    response = auth.client.get(f"/media/{public_id}/original.mp4", headers={"Range": "bytes=0-99"})
    assert response.status_code == 206
    assert response.headers["ETag"] == f'"{after}"'


def test_poster_skips_black_and_storyboard_indexes_every_interval(
    app: Flask, auth: AuthActions, tmp_path: Path
) -> None:
    auth.signup()
    public_id = _upload(auth, black_start(tmp_path / "fade.mp4"))["id"]
    assert process_now(app, public_id)[1] is Outcome.READY
    poster = auth.client.get(f"/media/{public_id}/poster.jpg")
    assert poster.status_code == 200 and poster.headers["Content-Type"] == "image/jpeg"
    (tmp_path / "poster.jpg").write_bytes(poster.data)
    with av.open(str(tmp_path / "poster.jpg")) as container:
        frame = next(container.decode(video=0))
        assert (frame.width, frame.height) == (640, 360)
        assert not is_blank(*luma_stats(frame))
    thumb = auth.client.get(f"/media/{public_id}/thumb.jpg")
    assert thumb.status_code == 200 and thumb.data[:2] == b"\xff\xd8"

    vtt = auth.client.get(f"/media/{public_id}/storyboard.vtt")
    assert vtt.headers["Content-Type"].startswith("text/vtt")
    text = vtt.get_data(as_text=True)
    assert text.startswith("WEBVTT\n")
    assert "00:00:06.000 --> 00:00:08.000\nstoryboard.jpg#xywh=480,0,160,90" in text
    assert text.count("storyboard.jpg#xywh=") == 4
    sprite = auth.client.get(f"/media/{public_id}/storyboard.jpg")
    (tmp_path / "sprite.jpg").write_bytes(sprite.data)
    with av.open(str(tmp_path / "sprite.jpg")) as container:
        tiles = next(container.decode(video=0))
        assert (tiles.width, tiles.height) == (640, 90)


def test_a_truncated_source_fails_with_a_reason_and_leaves_nothing(
    app: Flask, auth: AuthActions, tmp_path: Path
) -> None:
    auth.signup()
    video = _upload(auth, make_mp4(tmp_path / "whole.mp4", seconds=6, faststart=True))
    # An upload cut short is refused (tests/badinput); an original damaged in storage
    # afterwards still reaches the pipeline.
    stored = current.storage(app).path(f"videos/{video['id']}/original.mp4")
    stored.write_bytes(truncated(tmp_path / "cut.mp4").read_bytes())
    assert process_now(app, video["id"])[1] is Outcome.FAILED
    after = auth.client.get(f"/api/videos/{video['id']}").get_json()["video"]
    assert after["status"] == "failed"
    assert "damaged" in after["status_reason"] and "0:06" in after["status_reason"]
    assert after["processing"]["step"] == "failed"
    assert _keys(app) == [f"videos/{video['id']}/original.mp4"]
    assert auth.client.get(f"/media/{video['id']}/hls/master.m3u8").status_code == 409
    assert auth.client.get(f"/media/{video['id']}/poster.jpg").status_code == 409
    assert list((current.settings(app).work_dir).iterdir()) == []


def test_an_unreadable_original_fails_with_a_reason(
    app: Flask, auth: AuthActions, tmp_path: Path, sample_mp4: Path
) -> None:
    auth.signup()
    video = _upload(auth, sample_mp4)
    stored = current.storage(app).path(f"videos/{video['id']}/original.mp4")
    stored.write_bytes(stored.read_bytes()[:48] + b"\0" * 4000)
    assert process_now(app, video["id"])[1] is Outcome.FAILED
    after = auth.client.get(f"/api/videos/{video['id']}").get_json()["video"]
    assert after["status"] == "failed" and after["status_reason"]
    assert _keys(app) == [f"videos/{video['id']}/original.mp4"]
    page = auth.client.get("/stream")
    assert after["status_reason"].encode() in page.data


def test_strangers_get_404_on_every_derived_file(
    app: Flask, auth: AuthActions, mallory: AuthActions, server: str, tmp_path: Path
) -> None:
    auth.signup()
    public_id = _upload(auth, SHAPES["no_audio"](tmp_path / "quiet.mp4"))["id"]
    process_now(app, public_id)
    urls = [
        f"/media/{public_id}/hls/master.m3u8",
        f"/media/{public_id}/hls/240p/index.m3u8",
        f"/media/{public_id}/hls/240p/init.mp4",
        f"/media/{public_id}/hls/240p/seg_00000.m4s",
        f"/media/{public_id}/poster.jpg",
        f"/media/{public_id}/thumb.jpg",
        f"/media/{public_id}/storyboard.vtt",
        f"/media/{public_id}/storyboard.jpg",
    ]
    anonymous = app.test_client()
    for url in urls:
        assert auth.client.get(url).status_code == 200, url
        assert auth.client.head(url).status_code == 200, url
        assert mallory.client.get(url).status_code == 404, url
        assert mallory.client.get(url, headers={"Range": "bytes=0-9"}).status_code == 404, url
        assert anonymous.get(url).status_code == 401, url
    stolen = mallory.client.get_cookie("vidstream_session")
    assert stolen is not None
    refused = decode_over_http(f"{server}/media/{public_id}/hls/master.m3u8", stolen.value)
    assert refused.returncode != 0 and "404" in refused.errors


@pytest.mark.parametrize(
    "path",
    ["hls/999p/index.m3u8", "hls/240p/..%2F..%2Foriginal.mp4", "hls/240p/seg_1.m4s",
     "hls/240p/index.m3u8.bak", "hls/..%2Foriginal.mp4/index.m3u8", "hls/240p/seg_99999.m4s",
     "hls/240P/index.m3u8"],
)  # fmt: skip
def test_derived_paths_are_matched_strictly(
    app: Flask, auth: AuthActions, tmp_path: Path, path: str
) -> None:
    auth.signup()
    public_id = _upload(auth, SHAPES["no_audio"](tmp_path / "quiet.mp4"))["id"]
    process_now(app, public_id)
    assert auth.client.get(f"/media/{public_id}/{path}").status_code == 404


def test_deleting_removes_every_derived_file(
    app: Flask, auth: AuthActions, sample_mp4: Path
) -> None:
    auth.signup()
    public_id = _upload(auth, sample_mp4)["id"]
    process_now(app, public_id)
    assert len(_keys(app)) > 5
    response = auth.client.delete(f"/api/videos/{public_id}", headers={"X-CSRFToken": auth.csrf()})
    assert response.status_code == 204
    assert _keys(app) == []


def test_a_video_deleted_while_encoding_leaves_no_files(
    app: Flask, auth: AuthActions, sample_mp4: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth.signup()
    public_id = _upload(auth, sample_mp4)["id"]
    real_encode = steps.encode_renditions

    def encode_then_delete(*args: Any, **kwargs: Any) -> None:
        real_encode(*args, **kwargs)
        delete_video(db.session.scalars(select(Video)).one())

    monkeypatch.setattr(steps, "encode_renditions", encode_then_delete)
    assert process_now(app, public_id)[1] is Outcome.SKIPPED
    assert _keys(app) == []


def test_progress_is_recorded_step_by_step(
    app: Flask, auth: AuthActions, sample_mp4: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth.signup()
    public_id = _upload(auth, sample_mp4)["id"]
    seen: list[tuple[str, float]] = []
    real_report = pipeline.Lease.report

    def record(self: Any, step: ProcessingStep, progress: float, *, force: bool = False) -> None:
        real_report(self, step, progress, force=True)
        row = db.session.get(VideoJob, self.video_id)
        assert row is not None
        db.session.refresh(row)
        seen.append((row.step, row.progress))

    monkeypatch.setattr(pipeline.Lease, "report", record)
    process_now(app, public_id)
    steps_seen = [step for step, _progress in seen]
    # The ladder comes before the storyboard: adaptive playback sooner.
    assert (
        steps_seen.index("poster") < steps_seen.index("renditions") < steps_seen.index("storyboard")
    )
    values = [progress for _step, progress in seen]
    assert values == sorted(values) and values[-1] == pytest.approx(1.0)


def test_api_reports_step_and_progress_while_processing(
    app: Flask, auth: AuthActions, sample_mp4: Path
) -> None:
    auth.signup()
    public_id = _upload(auth, sample_mp4)["id"]
    with app.app_context():
        job = db.session.get(VideoJob, video_id(app, public_id))
        assert job is not None
        job.step, job.progress = ProcessingStep.RENDITIONS.value, 0.4234
        db.session.commit()
    video = auth.client.get(f"/api/videos/{public_id}").get_json()["video"]
    assert video["status"] == "ready_original"
    assert video["processing"] == {
        "step": "renditions",
        "label": "Encoding streaming versions",
        "progress": 0.423,
    }
    assert "hls" not in video["urls"] and "poster" not in video["urls"]
    assert auth.client.get(f"/media/{public_id}/hls/master.m3u8").status_code == 409


def test_running_a_stage_twice_changes_nothing(
    app: Flask, auth: AuthActions, sample_mp4: Path
) -> None:
    auth.signup()
    public_id = _upload(auth, sample_mp4)["id"]
    process_now(app, public_id)
    keys = _keys(app)
    storage = current.storage(app)
    stamps = {key: storage.path(key).stat().st_mtime_ns for key in keys}
    assert process_now(app, public_id) == (Outcome.SKIPPED, Outcome.SKIPPED)
    assert {key: storage.path(key).stat().st_mtime_ns for key in _keys(app)} == stamps
