"""A job reads its own copy of the original, never the stored file, even on local disk."""

from __future__ import annotations

from pathlib import Path

from vidstream.jobs.workspace import local_copy
from vidstream.storage.local import LocalStorage


def test_a_job_works_on_a_copy_in_its_scratch_folder(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "media")
    source = tmp_path / "upload.mp4"
    source.write_bytes(b"checked bytes")
    storage.put_file("videos/v1/original.mp4", source)
    scratch = tmp_path / "scratch"
    scratch.mkdir()

    copy = local_copy(storage, "videos/v1/original.mp4", scratch)
    storage.path("videos/v1/original.mp4").write_bytes(b"rewritten later")

    assert copy.parent == scratch
    assert copy.read_bytes() == b"checked bytes"
