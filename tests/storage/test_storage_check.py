"""``vidstream storage check``: rows without files, files without rows, and safe repairs."""

from __future__ import annotations

import io
import os
import time
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select

from tests.support.accounts import AuthActions
from tests.support.formats import make_format
from tests.support.pipeline import process_now
from vidstream import current
from vidstream.cli import main
from vidstream.extensions import db
from vidstream.jobs.reprocess import Reprocessed, reprocess
from vidstream.models import Video, VideoStatus
from vidstream.storage.check import MISSING_REASON, check_storage


def _store(app: Flask, key: str, age_hours: float) -> Path:
    path = current.storage(app).path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not referenced by any row")
    when = time.time() - age_hours * 3600
    os.utime(path, (when, when))
    return path


def test_a_consistent_library_has_no_findings(
    app: Flask, auth: AuthActions, sample_mp4: Path
) -> None:
    auth.signup("alice")
    assert auth.upload(sample_mp4, json=True).status_code == 201
    with app.app_context():
        report = check_storage()
    assert report.problems == 0
    assert report.rows_without_original == report.files_without_rows == []


def test_rows_without_originals_are_marked_failed_on_repair(
    app: Flask, auth: AuthActions, sample_mp4: Path
) -> None:
    auth.signup("alice")
    vid = auth.upload(sample_mp4, json=True).get_json()["video"]["id"]
    current.storage(app).path(f"videos/{vid}/original.mp4").unlink()
    with app.app_context():
        found = check_storage()
        assert found.rows_without_original == [vid]
        assert found.problems == 1
        assert db.session.scalar(select(Video.status).where(Video.public_id == vid)) != (
            VideoStatus.FAILED
        )
        repaired = check_storage(repair=True)
        assert repaired.marked_failed == [vid] and repaired.problems == 0
        video = db.session.scalar(select(Video).where(Video.public_id == vid))
        assert video is not None
        assert video.status is VideoStatus.FAILED and video.status_reason == MISSING_REASON
        # Failed rows are not reported again.
        assert check_storage().problems == 0
    assert auth.client.get(f"/media/{vid}/original.mp4").status_code in (404, 409, 410)


def test_only_old_files_without_rows_are_deleted(app: Flask) -> None:
    old = _store(app, "videos/Gone0000000000000000/original.mp4", age_hours=48)
    young = _store(app, "videos/Fresh000000000000000/original.mp4", age_hours=0.5)
    with app.app_context():
        found = check_storage(grace=timedelta(hours=24))
        assert found.files_without_rows == ["videos/Gone0000000000000000/original.mp4"]
        assert found.young_files_without_rows == ["videos/Fresh000000000000000/original.mp4"]
        assert old.exists()
        repaired = check_storage(repair=True, grace=timedelta(hours=24))
    assert repaired.deleted_files == found.files_without_rows
    assert not old.exists() and young.exists()


def test_the_command_exits_non_zero_until_repaired(tmp_path: Path) -> None:
    env = {"VIDSTREAM_DATA_DIR": str(tmp_path), "VIDSTREAM_DATABASE_URL": ""}
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"], env=env).exit_code == 0
    stray = tmp_path / "media" / "videos" / "Stray000000000000000" / "original.mp4"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"x")
    os.utime(stray, (time.time() - 3 * 86400,) * 2)
    checked = runner.invoke(main, ["storage", "check"], env=env)
    assert checked.exit_code == 1, checked.output
    assert "file without row: videos/Stray000000000000000/original.mp4" in checked.output
    assert stray.exists()
    repaired = runner.invoke(main, ["storage", "check", "--repair"], env=env)
    assert repaired.exit_code == 0, repaired.output
    assert "-> deleted" in repaired.output and not stray.exists()
    assert runner.invoke(main, ["storage", "check"], env=env).exit_code == 0


def test_a_kept_upload_is_the_original_and_its_playable_mp4_is_derived(
    app: Flask, auth: AuthActions, tmp_path: Path
) -> None:
    auth.signup("alice")
    source = make_format("mkv_h264", tmp_path / "clip.mkv")
    vid = auth.upload(source, json=True).get_json()["video"]["id"]
    process_now(app, vid)
    with app.app_context():
        assert check_storage().problems == 0
    playable = current.storage(app).path(f"videos/{vid}/original.mp4")
    playable.unlink()
    with app.app_context():
        found = check_storage()
    assert found.missing_derived == [f"videos/{vid}/original.mp4"]
    assert found.rows_without_original == []
    current.storage(app).path(f"videos/{vid}/source").unlink()
    with app.app_context():
        assert check_storage().rows_without_original == [vid]


def test_reprocessing_makes_a_missing_playable_mp4_again(
    app: Flask, auth: AuthActions, tmp_path: Path
) -> None:
    auth.signup("alice")
    source = make_format("ts_h264", tmp_path / "clip.ts")
    vid = auth.upload(source, json=True).get_json()["video"]["id"]
    process_now(app, vid)
    current.storage(app).path(f"videos/{vid}/original.mp4").unlink()
    with app.app_context():
        video = db.session.scalar(select(Video).where(Video.public_id == vid))
        assert video is not None
        assert reprocess(video) is Reprocessed.QUEUED
    process_now(app, vid)
    with app.app_context():
        assert check_storage().problems == 0
    assert auth.client.get(f"/media/{vid}/original.mp4").status_code == 200


def test_captions_are_known_to_the_check(app: Flask, auth: AuthActions, sample_mp4: Path) -> None:
    auth.signup("alice")
    vid = auth.upload(sample_mp4, json=True).get_json()["video"]["id"]
    srt = b"1\n00:00:01,000 --> 00:00:02,000\nHi\n"
    for language in ("en", "fr"):
        answer = auth.client.post(
            f"/api/videos/{vid}/captions",
            data={"file": (io.BytesIO(srt), "a.srt"), "language": language},
            headers={"X-CSRFToken": auth.csrf()},
        )
        assert answer.status_code == 201
    with app.app_context():
        assert check_storage().problems == 0
    current.storage(app).path(f"videos/{vid}/captions/fr.vtt").unlink()
    stray = _store(app, f"videos/{vid}/captions/de.vtt", age_hours=48)
    young = _store(app, f"videos/{vid}/captions/it.vtt", age_hours=0.5)
    with app.app_context():
        found = check_storage(grace=timedelta(hours=24))
        assert found.missing_captions == [f"videos/{vid}/captions/fr.vtt"]
        assert found.captions_without_rows == [f"videos/{vid}/captions/de.vtt"]
        assert found.young_files_without_rows == [f"videos/{vid}/captions/it.vtt"]
        repaired = check_storage(repair=True, grace=timedelta(hours=24))
    assert repaired.deleted_files == [f"videos/{vid}/captions/de.vtt"]
    assert not stray.exists() and young.exists()
    assert current.storage(app).exists(f"videos/{vid}/original.mp4")
    assert current.storage(app).exists(f"videos/{vid}/captions/en.vtt")
