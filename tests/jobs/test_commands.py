"""``vidstream videos`` and ``vidstream worker``, run the way an operator runs them."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select, update

from tests.support.accounts import AuthActions
from tests.support.pipeline import process_now
from vidstream import current
from vidstream.cli import main
from vidstream.config import Settings
from vidstream.extensions import db
from vidstream.models import Video, VideoJob, VideoStatus


def _env(settings: Settings) -> dict[str, str]:
    env = {
        "VIDSTREAM_DATA_DIR": str(settings.data_dir),
        "VIDSTREAM_DATABASE_URL": settings.database_url,
        "VIDSTREAM_SECRET_KEY": settings.secret_key,
        "VIDSTREAM_REDIS_PREFIX": settings.redis_prefix,
        "VIDSTREAM_REDIS_URL": settings.redis_url or "",
    }
    return env


def test_reprocess_makes_everything_again(app: Flask, auth: AuthActions, sample_mp4: Path) -> None:
    settings = current.settings(app)
    auth.signup()
    public_id = auth.upload(sample_mp4, json=True).get_json()["video"]["id"]
    process_now(app, public_id)
    with app.app_context():
        db.session.execute(update(VideoJob).values(enqueued_at=None))
        db.session.commit()
    runner = CliRunner()

    listed = runner.invoke(main, ["videos", "list"], env=_env(settings))
    assert listed.exit_code == 0, listed.output
    assert f"{public_id}  ready" in listed.output and "100%" in listed.output

    again = runner.invoke(main, ["videos", "reprocess", public_id], env=_env(settings))
    assert again.exit_code == 0, again.output
    assert f"{public_id}: queued" in again.output
    with app.app_context():
        video = db.session.scalars(select(Video)).one()
        assert video.status is VideoStatus.READY_ORIGINAL
        assert not (video.poster_ready or video.storyboard_ready or video.renditions)
        assert video.job is not None and video.job.enqueued_at is not None
    keys = current.storage(app).list_keys("")
    assert keys == [f"videos/{public_id}/original.mp4"]
    assert process_now(app, public_id)[1].value == "ready"

    every = runner.invoke(main, ["videos", "reprocess", "--all"], env=_env(settings))
    assert every.exit_code == 0 and f"{public_id}: queued" in every.output


def test_reprocess_leaves_a_busy_video_alone(
    app: Flask, auth: AuthActions, sample_mp4: Path
) -> None:
    from vidstream.jobs.lease import claim

    settings = current.settings(app)
    auth.signup()
    auth.upload(sample_mp4, json=True)
    with app.app_context():
        job = db.session.scalars(select(VideoJob)).one()
        assert claim(job.video_id, ttl=600) is not None
    result = CliRunner().invoke(main, ["videos", "reprocess", "--all"], env=_env(settings))
    assert "busy" in result.output


def test_reprocess_usage(app: Flask) -> None:
    settings = current.settings(app)
    runner = CliRunner()
    assert runner.invoke(main, ["videos", "reprocess"], env=_env(settings)).exit_code == 2
    missing = runner.invoke(main, ["videos", "reprocess", "nope"], env=_env(settings))
    assert missing.exit_code == 1 and "no such video: nope" in missing.output


def test_worker_refuses_an_encoder_that_does_not_work(app: Flask) -> None:
    env = {**_env(current.settings(app)), "VIDSTREAM_VIDEO_ENCODER": "h264_nope"}
    result = CliRunner().invoke(main, ["worker"], env=env)
    assert result.exit_code == 1
    assert (
        "VIDSTREAM_VIDEO_ENCODER=h264_nope: ffmpeg has no encoder named 'h264_nope'"
        in result.output
    )
    bad_queue = CliRunner().invoke(main, ["worker", "--queues", "other"], env=env)
    assert bad_queue.exit_code == 2
