"""The job machinery: leases, the sweep, the Celery tasks and enqueuing after commit."""

from __future__ import annotations

import itertools
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from kombu.exceptions import OperationalError as BrokerError
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from tests.support.accounts import AuthActions
from tests.support.media import make_mp4
from tests.support.pipeline import video_id
from vidstream import current
from vidstream.extensions import db
from vidstream.jobs import pipeline, sweep, tasks
from vidstream.jobs.celery_app import celery_config
from vidstream.jobs.context import Outcome
from vidstream.jobs.lease import LeaseLost, VideoGone, claim, owner_is_dead
from vidstream.models import Video, VideoJob, VideoStatus
from vidstream.models.base import utcnow


@pytest.fixture
def uploaded(app: Flask, auth: AuthActions, sample_mp4: Path) -> int:
    """Row id of a freshly uploaded (``ready_original``) video."""
    auth.signup()
    public_id = auth.upload(sample_mp4, json=True).get_json()["video"]["id"]
    return video_id(app, public_id)


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Messages the tasks would publish, recorded instead of sent."""
    messages: list[tuple[str, int]] = []
    for task in (tasks.prepare_video, tasks.render_video):

        def record(args: tuple[int], *_a: Any, _name: str = task.name, **_k: Any) -> None:
            messages.append((_name, args[0]))

        monkeypatch.setattr(task, "apply_async", record)
    return messages


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_one_lease_per_video(app: Flask, uploaded: int) -> None:
    with app.app_context():
        first = claim(uploaded, ttl=60)
        assert first is not None and first.attempts == 1
        assert claim(uploaded, ttl=60) is None
        first.release()
        second = claim(uploaded, ttl=60)
        assert second is not None and second.attempts == 2
        second.release()


def test_an_expired_or_orphaned_lease_can_be_taken_over(app: Flask, uploaded: int) -> None:
    with app.app_context():
        stale = claim(uploaded, ttl=60)
        assert stale is not None
        db.session.execute(
            update(VideoJob).values(lease_expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
        taker = claim(uploaded, ttl=60)
        assert taker is not None
        with pytest.raises(LeaseLost):
            stale.report(pipeline.ProcessingStep.POSTER, 0.1, force=True)
        db.session.execute(update(VideoJob).values(lease_owner=f"{_host()}:{_dead_pid()}"))
        db.session.commit()
        assert claim(uploaded, ttl=60) is not None


def _host() -> str:
    return socket.gethostname()


def test_owner_liveness() -> None:
    assert owner_is_dead(f"{_host()}:{_dead_pid()}")
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    while Path(f"/proc/{zombie.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
        time.sleep(0.01)
    assert owner_is_dead(f"{_host()}:{zombie.pid}")  # killed, not yet reaped
    zombie.wait()
    assert not owner_is_dead(f"{_host()}:1")
    assert not owner_is_dead(f"elsewhere:{_dead_pid()}")
    assert not owner_is_dead(None)


def test_a_report_for_a_deleted_video_stops_the_job(app: Flask, uploaded: int) -> None:
    with app.app_context():
        lease = claim(uploaded, ttl=60)
        assert lease is not None
        db.session.delete(db.session.get(Video, uploaded))
        db.session.commit()
        with pytest.raises(VideoGone):
            lease.report(pipeline.ProcessingStep.RENDITIONS, 0.5, force=True)


def test_a_held_video_is_skipped(app: Flask, uploaded: int) -> None:
    with app.app_context():
        held = claim(uploaded, ttl=60)
        assert pipeline.run_stage(uploaded, pipeline.render) is Outcome.SKIPPED
        assert held is not None
        held.release()


def test_too_many_attempts_end_in_failed(app: Flask, uploaded: int) -> None:
    with app.app_context():
        db.session.execute(update(VideoJob).values(attempts=pipeline.MAX_ATTEMPTS))
        db.session.commit()
        assert pipeline.run_stage(uploaded, pipeline.render) is Outcome.FAILED
        video = db.session.get(Video, uploaded)
        assert video is not None and video.status is VideoStatus.FAILED
        assert "failed attempts" in (video.status_reason or "")


def test_upload_enqueues_after_commit(
    app: Flask, auth: AuthActions, sample_mp4: Path, sent: list[tuple[str, int]], tmp_path: Path
) -> None:
    auth.signup()
    first = auth.upload(sample_mp4, json=True).get_json()["video"]
    camera = make_mp4(tmp_path / "camera.mp4", seconds=1)
    second = auth.upload(camera, json=True).get_json()["video"]
    assert (first["status"], second["status"]) == ("ready_original", "validating")
    assert sent == [
        ("vidstream.render_video", video_id(app, first["id"])),
        ("vidstream.prepare_video", video_id(app, second["id"])),
    ]
    with app.app_context():
        assert all(job.enqueued_at for job in db.session.scalars(select(VideoJob)))


def test_a_broker_outage_does_not_fail_the_upload(
    app: Flask, auth: AuthActions, sample_mp4: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise BrokerError("broker unreachable")

    monkeypatch.setattr(tasks.render_video, "apply_async", refuse)
    auth.signup()
    response = auth.upload(sample_mp4, json=True)
    assert response.status_code == 201
    with app.app_context():
        job = db.session.scalars(select(VideoJob)).one()
        assert job.enqueued_at is None
        assert sweep.stuck_videos() == [(job.video_id, VideoStatus.READY_ORIGINAL)]


def test_the_sweep_finds_only_videos_stuck_before_ready(
    app: Flask, uploaded: int, sent: list[tuple[str, int]]
) -> None:
    with app.app_context():
        assert sweep.stuck_videos() == []  # just queued: its message is in flight
        assert sweep.stuck_videos(timedelta(0)) == [(uploaded, VideoStatus.READY_ORIGINAL)]
        lease = claim(uploaded, ttl=60)
        assert sweep.stuck_videos(timedelta(0)) == []  # a live worker holds it
        db.session.execute(update(VideoJob).values(lease_owner=f"{_host()}:{_dead_pid()}"))
        db.session.commit()
        assert sweep.sweep_stuck_videos() == 1  # its worker died
        assert sent == [("vidstream.render_video", uploaded)]
        assert lease is not None
        for status in (VideoStatus.READY, VideoStatus.FAILED):
            db.session.execute(update(Video).values(status=status))
            db.session.commit()
            assert sweep.stuck_videos(timedelta(0)) == []
        db.session.execute(update(Video).values(status=VideoStatus.VALIDATING))
        db.session.execute(update(VideoJob).values(lease_token=None, enqueued_at=None))
        db.session.commit()
        assert sweep.stuck_videos() == [(uploaded, VideoStatus.VALIDATING)]


def test_tasks_run_in_an_app_context_and_chain(
    app: Flask, auth: AuthActions, tmp_path: Path, sent: list[tuple[str, int]]
) -> None:
    auth.signup()
    public_id = auth.upload(make_mp4(tmp_path / "c.mp4", seconds=1), json=True).get_json()
    vid = video_id(app, public_id["video"]["id"])
    sent.clear()
    result = tasks.prepare_video.apply(args=(vid,))
    assert result.successful()
    assert sent == [("vidstream.render_video", vid)]
    assert tasks.render_video.apply(args=(vid,)).successful()
    with app.app_context():
        video = db.session.get(Video, vid)
        assert video is not None and video.status is VideoStatus.READY


def test_transient_errors_are_retried_with_backoff(
    app: Flask, uploaded: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def flaky(video: int, stage: Any) -> Outcome:
        calls.append(video)
        raise OperationalError("SELECT 1", {}, Exception("database restarting"))

    monkeypatch.setattr(pipeline, "run_stage", flaky)
    monkeypatch.setattr(tasks, "retry_delay", lambda retries: 0.0)
    result = tasks.render_video.apply(args=(uploaded,))
    assert result.failed()
    assert len(calls) == tasks.MAX_RETRIES + 1
    monkeypatch.undo()
    delays = [tasks.retry_delay(n) for n in range(12)]
    assert 4 <= delays[0] <= 6 and 480 <= delays[-1] <= 720
    assert all(later >= earlier * 0.6 for earlier, later in itertools.pairwise(delays))


def test_celery_wiring(app: Flask) -> None:
    celery_app = current.celery(app)
    settings = current.settings(app)
    conf = celery_app.conf
    assert conf.task_acks_late and conf.task_ignore_result and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_soft_time_limit == settings.job_time_limit_seconds
    assert conf.task_time_limit > conf.task_soft_time_limit
    if settings.redis_url:
        assert conf.broker_url == settings.redis_url
        assert conf.broker_transport_options["global_keyprefix"] == settings.redis_prefix
    else:
        assert conf.broker_url == f"sqla+sqlite:///{settings.data_dir / 'queue.db'}"
    assert celery_config(settings)["task_routes"]["vidstream.prepare_video"] == {"queue": "prepare"}
