"""A video deleted while a worker renders it: the job stops, cleans up, says so once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.support.accounts import AuthActions
from tests.support.media import make_mp4
from tests.support.pipeline import video_id
from vidstream import current
from vidstream.jobs import pipeline
from vidstream.jobs.context import Job, Outcome
from vidstream.models import ProcessingStep


def test_a_delete_during_the_render_stops_it_with_no_scratch_files_and_no_error(
    app: Flask,
    auth: AuthActions,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The video is deleted when the HLS encode first reports progress, as a person would
    delete it from another browser while it renders (no race with the encode's speed)."""
    caplog.set_level(logging.INFO)
    auth.signup()
    source = make_mp4(tmp_path / "long.mp4", seconds=12, size="854x480", faststart=True)
    public_id = auth.upload(source, json=True).get_json()["video"]["id"]
    vid = video_id(app, public_id)
    deleted: list[int] = []
    progress = Job.progress

    def deleting_progress(job: Job, step: ProcessingStep) -> Callable[[float], None]:
        report = progress(job, step)

        def reported(fraction: float) -> None:
            if step is ProcessingStep.RENDITIONS and not deleted:
                caplog.clear()
                answer = auth.client.delete(
                    f"/api/videos/{public_id}", headers={"X-CSRFToken": auth.csrf()}
                )
                deleted.append(answer.status_code)
            report(fraction)

        return reported

    monkeypatch.setattr(Job, "progress", deleting_progress)
    with app.app_context():
        outcome = pipeline.run_stage(vid, pipeline.render)

    assert deleted == [204]
    assert outcome is Outcome.SKIPPED
    assert list(current.settings(app).work_dir.iterdir()) == []
    assert current.storage(app).list_keys("") == []
    problems = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert problems == []
    told = [r for r in caplog.records if r.name.startswith("vidstream.jobs")]
    assert [(r.levelno, public_id in r.getMessage()) for r in told] == [(logging.INFO, True)]


def test_a_delete_just_before_the_render_reads_the_original_is_no_failure(
    app: Flask,
    auth: AuthActions,
    sample_mp4: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The original is gone when the render probes it: no "failed" warning, one info line."""
    auth.signup()
    public_id = auth.upload(sample_mp4, json=True).get_json()["video"]["id"]
    probe = pipeline.probe_video

    def deleted_first(path: Path, *demuxer: str) -> Any:
        answer = auth.client.delete(
            f"/api/videos/{public_id}", headers={"X-CSRFToken": auth.csrf()}
        )
        assert answer.status_code == 204
        return probe(path, *demuxer)

    monkeypatch.setattr(pipeline, "probe_video", deleted_first)
    caplog.set_level(logging.INFO)
    caplog.clear()
    with app.app_context():
        assert pipeline.run_stage(video_id(app, public_id), pipeline.render) is Outcome.SKIPPED
    assert list(current.settings(app).work_dir.iterdir()) == []
    assert current.storage(app).list_keys("") == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    told = [r for r in caplog.records if r.name.startswith("vidstream.jobs")]
    assert [(r.levelno, public_id in r.getMessage()) for r in told] == [(logging.INFO, True)]
