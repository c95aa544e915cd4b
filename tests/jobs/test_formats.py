"""Every common device format is accepted, kept byte for byte, and played as a faststart
H.264/AAC MP4 made by remuxing or transcoding it (jobs/playable.py, media/convert.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from tests.support.accounts import AuthActions, make_api_user
from tests.support.formats import FORMATS, make_format
from tests.support.media import ffmpeg
from tests.support.pipeline import process_now
from tests.support.sharing import api, make_link, media_base, share_ids
from tests.support.tus import Tus
from vidstream import current
from vidstream.jobs.context import Outcome
from vidstream.jobs.lease import Lease
from vidstream.media.containers import CONTAINERS
from vidstream.media.faststart import moov_at_front
from vidstream.media.probe import open_upload, probe_video
from vidstream.models import ProcessingStep


def _first_picture(path: Path) -> bytes:
    """The first decoded frame's pixels: identical when a remux copied the video, not
    after a (lossy) transcode, whatever the packets' framing."""
    with open_upload(path) as container:
        frame = next(container.decode(video=0))
        return b"".join(bytes(plane) for plane in frame.planes)


def _check_played_and_kept(
    app: Flask, auth: AuthActions, public_id: str, source: Path, name: str, tmp_path: Path
) -> None:
    """``ready``; the playable MP4 is faststart H.264/AAC (its video copied iff a remux);
    the download is the upload, byte for byte, named from the title and probed container."""
    fmt = FORMATS[name]
    assert process_now(app, public_id) == (Outcome.PLAYABLE, Outcome.READY)
    video = auth.client.get(f"/api/videos/{public_id}").get_json()["video"]
    assert video["status"] == "ready", video["status_reason"]
    assert video["processing"]["step"] == "done"
    assert (video["video_codec"], video["audio_codec"]) == (fmt.video_codec, fmt.audio_codec)

    playable = tmp_path / "playable.mp4"
    playable.write_bytes(auth.client.get(video["urls"]["original"]).data)
    made = probe_video(playable, CONTAINERS["mp4"].demuxer)
    assert (made.video_codec, made.audio_codec, made.pixel_format) == ("h264", "aac", "yuv420p")
    assert moov_at_front(playable)
    assert (_first_picture(playable) == _first_picture(source)) is fmt.remux

    download = auth.client.get(f"/media/{public_id}/download")
    assert download.status_code == 200
    assert download.data == source.read_bytes()
    assert download.headers["Content-Type"] == fmt.content_type
    assert f'filename="holiday.{fmt.extension}"' in download.headers["Content-Disposition"]
    keys = current.storage(app).list_keys(f"videos/{public_id}/")
    assert {f"videos/{public_id}/source", f"videos/{public_id}/original.mp4"} <= set(keys)


@pytest.mark.parametrize("name", list(FORMATS))
def test_a_format_uploaded_by_form_is_kept_and_played(
    app: Flask, auth: AuthActions, tmp_path: Path, name: str
) -> None:
    # Neither the file's name nor the declared type says what it is: the content does.
    source = make_format(name, tmp_path / "upload.bin")
    auth.signup()
    response = auth.upload(source, json=True, name="holiday.bin")
    assert response.status_code == 201, response.get_json()
    video = response.get_json()["video"]
    assert (video["status"], video["content_type"]) == ("validating", FORMATS[name].content_type)
    assert auth.client.get(video["urls"]["original"]).status_code == 409
    # The upload itself can be had back at once, before it is converted.
    assert auth.client.get(f"/media/{video['id']}/download").data == source.read_bytes()
    _check_played_and_kept(app, auth, video["id"], source, name, tmp_path)


def test_a_format_uploaded_by_tus_is_kept_and_played(app: Flask, tmp_path: Path) -> None:
    source = make_format("mkv_h264", tmp_path / "upload.bin")
    user = make_api_user(app, "alice")
    tus = Tus(app.test_client(), user.bearer)
    public_id = tus.upload(source.read_bytes(), name="holiday.mp4")
    _check_played_and_kept(app, user.browser, public_id, source, "mkv_h264", tmp_path)


def test_an_h264_aac_mp4_is_its_own_playable_mp4(
    app: Flask, auth: AuthActions, sample_mp4: Path
) -> None:
    """No second copy and no conversion: the upload is what plays and what downloads."""
    auth.signup()
    video = auth.upload(sample_mp4, json=True).get_json()["video"]
    assert (video["status"], video["content_type"]) == ("ready_original", "video/mp4")
    assert process_now(app, video["id"]) == (Outcome.SKIPPED, Outcome.READY)
    keys = current.storage(app).list_keys(f"videos/{video['id']}/")
    assert f"videos/{video['id']}/source" not in keys
    assert auth.client.get(video["urls"]["original"]).data == sample_mp4.read_bytes()
    download = auth.client.get(f"/media/{video['id']}/download")
    assert download.data == sample_mp4.read_bytes()
    assert 'filename="sample.mp4"' in download.headers["Content-Disposition"]


def test_a_kept_upload_downloads_only_where_allowed(
    app: Flask, auth: AuthActions, mallory: AuthActions, tmp_path: Path
) -> None:
    source = make_format("mkv_h264", tmp_path / "upload.bin")
    auth.signup()
    public_id = auth.upload(source, json=True).get_json()["video"]["id"]
    assert mallory.client.get(f"/media/{public_id}/download").status_code == 404
    assert app.test_client().get(f"/media/{public_id}/download").status_code == 401
    process_now(app, public_id)
    api(auth, "PATCH", f"/api/videos/{public_id}", {"visibility": "unlisted"})
    link = make_link(auth, public_id, allow_download=True)
    viewer = app.test_client()
    base = media_base(viewer.get(link).data.decode())
    assert viewer.get(base + "download").data == source.read_bytes()
    api(auth, "DELETE", f"/api/videos/{public_id}/shares/{share_ids(auth, public_id)[0]}")
    assert viewer.get(base + "download").status_code == 404
    assert viewer.get(base + "original.mp4").status_code == 404


def _unknown_segment_size(data: bytes) -> bytes:
    """A Matroska file whose Segment size says "unknown", as a live recorder writes it."""
    segment = data.index(b"\x18\x53\x80\x67") + 4
    assert data[segment] == 0x01  # an 8-byte size, as ffmpeg writes it
    return data[:segment] + b"\x01" + b"\xff" * 7 + data[segment + 8 :]


def test_a_cut_off_recording_without_a_declared_end_fails_saying_how_much_plays(
    app: Flask, auth: AuthActions, tmp_path: Path
) -> None:
    whole = tmp_path / "whole.mkv"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x90:rate=15:duration=4",
           "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
           "-f", "matroska", str(whole))  # fmt: skip
    data = _unknown_segment_size(whole.read_bytes())
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(data[: len(data) * 3 // 10])
    auth.signup()
    response = auth.upload(cut, json=True)
    assert response.status_code == 201, response.get_json()
    public_id = response.get_json()["video"]["id"]
    assert process_now(app, public_id)[0] is Outcome.FAILED
    video = auth.client.get(f"/api/videos/{public_id}").get_json()["video"]
    assert video["status"] == "failed"
    assert video["status_reason"].startswith("This video file is damaged: only the first 0:0")
    # The upload stays, for its owner to take back; nothing derived is left.
    keys = current.storage(app).list_keys(f"videos/{public_id}/")
    assert keys == [f"videos/{public_id}/source"]
    assert auth.client.get(f"/media/{public_id}/download").data == cut.read_bytes()


def test_converting_is_a_step_of_its_own_with_its_progress(
    app: Flask, auth: AuthActions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The progress bar says "Converting for playback" while the MP4 is made, and the
    render steps' progress continues from where converting ended."""
    source = make_format("webm_vp9", tmp_path / "clip.webm")
    auth.signup()
    public_id = auth.upload(source, json=True).get_json()["video"]["id"]
    seen: list[tuple[str, float, str]] = []
    report = Lease.report

    def watched(lease: Lease, step: ProcessingStep, progress: float, **kw: bool) -> None:
        report(lease, step, progress, **kw)
        if kw.get("force"):
            video = auth.client.get(f"/api/videos/{public_id}").get_json()["video"]
            seen.append((step.value, progress, video["processing"]["label"]))

    monkeypatch.setattr(Lease, "report", watched)
    assert process_now(app, public_id) == (Outcome.PLAYABLE, Outcome.READY)
    assert seen[0] == ("convert", 0.0, "Converting for playback")
    assert seen[1][:2] == ("convert", 0.3)
    progress = [p for _step, p, _label in seen]
    assert progress == sorted(progress)
