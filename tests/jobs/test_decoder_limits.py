"""A file whose second video track claims 16000x16000 pixels fails, with bounded memory.

The worker runs in a process of its own, as ``vidstream worker`` would run the stage,
so that its peak resident memory, ffmpeg's included, can be read when it exits.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from tests.support.hostile_media import huge_second_track
from tests.support.restartable import server_env
from vidstream import current
from vidstream.config import Settings
from vidstream.extensions import db
from vidstream.models import User, Video, VideoJob, VideoStatus
from vidstream.services.auth.logic import create_user

# A few decoded frames of the small track; one 16000x16000 frame alone is 366 MiB.
PEAK_LIMIT_MIB = 400
# The worker reports its own peak itself: the kernel's figure for a child of this test
# process would count the pages it shared with pytest between fork and exec (hundreds
# of MiB late in a long run), not what the worker used. VmHWM is this process's own
# peak since exec; RUSAGE_CHILDREN the largest of the ffmpeg processes it ran.
RUN_STAGES = """
import resource, sys
from vidstream import create_app
from vidstream.jobs import pipeline
app = create_app()
for stage in (pipeline.prepare, pipeline.render):
    with app.app_context():
        print(pipeline.run_stage(int(sys.argv[1]), stage).value, flush=True)
own = next(line for line in open("/proc/self/status") if line.startswith("VmHWM:"))
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print("PEAK_KIB", max(int(own.split()[1]), children), flush=True)
"""


def _stored_video(app: Flask, path: Path) -> tuple[int, str]:
    """``path`` stored as an upload the worker has yet to validate (no upload probe)."""
    with app.app_context():
        create_user("mallory", "correct horse battery")
        owner = db.session.scalars(select(User).where(User.username == "mallory")).one()
        video = Video(owner_id=owner.id, title="two tracks", original_filename="t.mp4",
                      size_bytes=path.stat().st_size, status=VideoStatus.VALIDATING,
                      job=VideoJob())  # fmt: skip
        db.session.add(video)
        db.session.flush()
        current.storage(app).put_file(video.original_key, path)
        db.session.commit()
        return video.id, video.public_id


def _run_worker(settings: Settings, video_id: int) -> tuple[str, float]:
    """Both stages in a fresh process; its output and peak memory (MiB, children included)."""
    env = {**os.environ, **server_env(settings)}
    child = subprocess.Popen(
        [sys.executable, "-c", RUN_STAGES, str(video_id)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert child.stdout is not None
    output = child.stdout.read().decode()
    assert child.wait() == 0, output
    peak_kib = int(output.split("PEAK_KIB", 1)[1].split()[0])
    return output, peak_kib / 1024


def test_a_huge_second_track_fails_the_video_with_bounded_memory(
    app: Flask, settings: Settings, tmp_path: Path
) -> None:
    video_id, public_id = _stored_video(app, huge_second_track(tmp_path / "two.mp4"))
    output, peak_mib = _run_worker(settings, video_id)
    print(f"worker peak RSS for the two-track file: {peak_mib:.0f} MiB")
    with app.app_context():
        video = db.session.scalars(select(Video).where(Video.public_id == public_id)).one()
    assert video.status is VideoStatus.FAILED, output
    assert video.status_reason == "This video's frame size (16000x16000) is not supported."
    assert peak_mib < PEAK_LIMIT_MIB
