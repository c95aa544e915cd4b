"""Compare the database with the media store: rows without files, files without rows.

Needs an app context (for the database and the store) but no request. What
``--repair`` does is limited to what cannot lose anything still wanted:

* Files under ``videos/<id>/`` with no row for ``<id>`` are deleted only once every
  file there is older than a grace period: an upload stores its file *before* it
  commits the row, so a young file without a row may be an upload finishing now.
* A row whose original is missing is marked ``failed`` with a reason, so it stops
  being offered for playback and its owner can see why and delete it. The row is
  kept (its title and owner are what is left to know about it) and nothing is
  deleted. Rows already failed, and rows still uploading (no file yet, by design),
  are left as they are.
* Missing derived files (poster, storyboard, HLS, and the playable MP4 made from an
  upload kept in another format) are reported only: the original is intact, and
  ``vidstream videos reprocess`` makes them again. So is a caption whose file is
  missing (its owner adds it again).
* A caption file with no caption row, in the folder of a video that exists, is
  deleted once older than the grace period (a caption is stored before its row is
  committed, as an upload is), alone: the rest of the folder stays.

A video's original is the file as uploaded: ``videos/<id>/source`` when the upload was
kept as it came (its row names the container), else ``videos/<id>/original.mp4``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select

from vidstream import current
from vidstream.extensions import db
from vidstream.media_index import forget_media
from vidstream.models import Video, VideoStatus
from vidstream.models.video import caption_key, hls_key, image_key, original_key
from vidstream.storage.base import ObjectNotFound, Storage

DEFAULT_GRACE = timedelta(hours=24)
MISSING_REASON = "The original file is missing from storage (found by vidstream storage check)."
# Rows in these states are not expected to have an original, or already say why not.
NO_ORIGINAL_EXPECTED = (VideoStatus.UPLOADING, VideoStatus.FAILED)


@dataclass
class StorageReport:
    """What a check found and, with repair, what it changed."""

    rows_without_original: list[str] = field(default_factory=list)
    missing_derived: list[str] = field(default_factory=list)
    missing_captions: list[str] = field(default_factory=list)
    captions_without_rows: list[str] = field(default_factory=list)
    files_without_rows: list[str] = field(default_factory=list)
    young_files_without_rows: list[str] = field(default_factory=list)
    marked_failed: list[str] = field(default_factory=list)
    deleted_files: list[str] = field(default_factory=list)

    @property
    def problems(self) -> int:
        """How many findings are still unresolved after this run."""
        unresolved_rows = set(self.rows_without_original) - set(self.marked_failed)
        strays = set(self.files_without_rows) | set(self.captions_without_rows)
        unresolved_files = strays - set(self.deleted_files)
        missing = len(self.missing_derived) + len(self.missing_captions)
        return len(unresolved_rows) + len(unresolved_files) + missing


def _storage() -> Storage:
    storage = current.storage()
    return storage


def _age_seconds(storage: Storage, key: str, now: float) -> float:
    """How long ago the file was written (0 when it is gone already: treated as young)."""
    try:
        return now - storage.modified_at(key)
    except ObjectNotFound:
        return 0.0


def _expected_derived(video: Video) -> list[str]:
    keys = []
    if video.source_format and video.status.playable:
        keys.append(original_key(video.public_id))
    if video.poster_ready:
        keys.append(image_key(video.public_id, "poster.jpg"))
    if video.storyboard_ready:
        keys.append(image_key(video.public_id, "storyboard.jpg"))
    if video.renditions:
        keys.append(hls_key(video.public_id, "master.m3u8"))
    return keys


def _check_rows(stored: set[str], report: StorageReport) -> tuple[set[str], set[str]]:
    """Record rows whose files are missing; return every known public id and caption key."""
    known, captions = set(), set()
    for video in db.session.scalars(select(Video).order_by(Video.id)):
        known.add(video.public_id)
        keys = [caption_key(video.public_id, caption.language) for caption in video.captions]
        captions.update(keys)
        report.missing_captions.extend(key for key in keys if key not in stored)
        if video.status in NO_ORIGINAL_EXPECTED:
            continue
        if video.upload_key not in stored:
            report.rows_without_original.append(video.public_id)
            continue
        report.missing_derived.extend(k for k in _expected_derived(video) if k not in stored)
    return known, captions


def _is_caption(key: str) -> bool:
    parts = key.split("/")
    return len(parts) == 4 and parts[2] == "captions"


def check_storage(
    *, repair: bool = False, grace: timedelta = DEFAULT_GRACE, now: float | None = None
) -> StorageReport:
    """Check every row and stored file; with ``repair``, fix what is safe (see module doc)."""
    storage = _storage()
    now = time.time() if now is None else now
    report = StorageReport()
    stored = set(storage.list_keys("videos/"))
    known, captions = _check_rows(stored, report)
    orphans: dict[str, list[str]] = {}
    for key in sorted(stored):
        public_id = key.split("/")[1]
        if public_id not in known:
            orphans.setdefault(public_id, []).append(key)
        elif _is_caption(key) and key not in captions:
            young = _age_seconds(storage, key, now) < grace.total_seconds()
            (report.young_files_without_rows if young else report.captions_without_rows).append(key)
    for keys in orphans.values():
        # A folder is judged as a whole: one young file means it may still be in use.
        young = any(_age_seconds(storage, k, now) < grace.total_seconds() for k in keys)
        (report.young_files_without_rows if young else report.files_without_rows).extend(keys)
    if repair:
        _repair(storage, report)
    return report


def _repair(storage: Storage, report: StorageReport) -> None:
    for public_id in report.rows_without_original:
        video = db.session.scalar(select(Video).where(Video.public_id == public_id))
        if video is None or video.status in NO_ORIGINAL_EXPECTED:
            continue
        video.status = VideoStatus.FAILED
        video.status_reason = MISSING_REASON
        db.session.commit()
        forget_media(public_id)
        report.marked_failed.append(public_id)
    for prefix in sorted({"/".join(key.split("/")[:2]) + "/" for key in report.files_without_rows}):
        storage.delete_prefix(prefix)
    report.deleted_files.extend(report.files_without_rows)
    for key in report.captions_without_rows:
        storage.delete_prefix(key)
        report.deleted_files.append(key)
