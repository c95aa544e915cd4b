"""A job's scratch folder, its local view of the original, and publishing into storage."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from vidstream.storage import ObjectNotFound, Storage


@contextmanager
def scratch_folder(work_dir: Path, public_id: str) -> Iterator[Path]:
    """A fresh folder for one job run, removed afterwards whatever happens."""
    work_dir.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(dir=work_dir, prefix=f"{public_id}-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def sweep_scratch(work_dir: Path, older_than_seconds: float) -> int:
    """Remove scratch folders of jobs that died (``kill -9``); return how many.

    A folder is never older than its job, and no job outlives its hard time limit, so a
    folder last changed longer ago than that limit belongs to no running job.
    """
    cutoff = time.time() - older_than_seconds
    removed = 0
    for folder in work_dir.glob("*-*"):
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder)
                removed += 1
        except FileNotFoundError:
            continue
    return removed


def local_copy(storage: Storage, key: str, folder: Path, name: str = "source.mp4") -> Path:
    """The job's own copy of ``key`` in its scratch folder, which every step then reads.

    Never the stored file itself, even on local storage: the original is read once, the
    copy is what the stage checks, and every later step sees exactly the bytes that
    were checked, whatever happens to the stored file meanwhile.
    """
    target = folder / name
    in_place = storage.local_path(key)
    if in_place is not None:
        try:
            shutil.copyfile(in_place, target)
        except FileNotFoundError:
            raise ObjectNotFound(key) from None
        return target
    with storage.open(key) as source, open(target, "wb") as out:
        shutil.copyfileobj(source, out, 1024 * 1024)
    return target


def publish(storage: Storage, files: list[tuple[Path, str]]) -> None:
    """Store each local file under its key, in order (so the last one can mark completion)."""
    for path, key in files:
        storage.put_file(key, path)
