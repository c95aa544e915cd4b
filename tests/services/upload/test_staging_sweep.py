"""The staging sweep deletes what a dead upload left, and nothing a live one is writing."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from vidstream.services.upload.staging import EMPTY_FILE_GRACE_SECONDS, sweep_staging


def _part(staging: Path, name: str, body: bytes, age_seconds: float = 0) -> Path:
    path = staging / name
    path.write_bytes(body)
    when = time.time() - age_seconds
    os.utime(path, (when, when))
    return path


def test_only_files_no_live_upload_holds_are_swept(tmp_path: Path) -> None:
    abandoned = _part(tmp_path, "form-dead.part", b"half a video")
    live = _part(tmp_path, "form-live.part", b"half a video", age_seconds=7 * 86400)
    just_created = _part(tmp_path, "form-new.part", b"")
    long_empty = _part(tmp_path, "form-old.part", b"", age_seconds=EMPTY_FILE_GRACE_SECONDS + 60)
    (tmp_path / "tus").mkdir()
    partial = _part(tmp_path / "tus", "Upload0000000000000000", b"resumable")
    with open(live, "rb") as writer:
        fcntl.flock(writer.fileno(), fcntl.LOCK_EX)  # as StagedUploadRequest holds it
        assert sweep_staging(tmp_path) == 2
        assert live.exists()
    assert not abandoned.exists() and not long_empty.exists()
    assert just_created.exists() and partial.exists()
    assert sweep_staging(tmp_path) == 1  # the upload that held "live" is gone now
    assert not live.exists()
