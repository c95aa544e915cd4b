"""Request bodies stream to a staging file on disk, never into memory."""

from __future__ import annotations

import fcntl
import os
import tempfile
import time
from contextlib import suppress
from functools import cached_property
from pathlib import Path
from typing import IO

from flask import Request

from vidstream import current
from vidstream.services.upload.read_timeout import limit_reads
from vidstream.storage import StorageFullError, disk_full_guard
from vidstream.web.errors import AppError

# An empty staging file may be one an upload has just created and not yet locked.
EMPTY_FILE_GRACE_SECONDS = 3600


class StagedUploadRequest(Request):
    """A request whose uploaded file parts are written straight to the staging directory.

    Werkzeug's multipart parser writes each file part into the stream returned here,
    chunk by chunk; the temporary file is deleted when the request closes it. While
    it is open its writer holds an ``flock`` on it, which the kernel drops if the
    process dies, so :func:`sweep_staging` can tell a live upload from a dead one.
    """

    @cached_property
    def staged_files(self) -> list[IO[bytes]]:
        """The staging files this request's body has been written to."""
        return []

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        staging = current.settings().staging_dir
        # Closed (and so deleted) with the request, or by _load_form_data on failure.
        stream = tempfile.NamedTemporaryFile(dir=staging, prefix="form-", suffix=".part")  # noqa: SIM115
        fcntl.flock(stream.fileno(), fcntl.LOCK_EX)
        self.staged_files.append(stream)
        return stream

    def _load_form_data(self) -> None:
        """Parse the body; a full disk is a 507, a stalled client a 408, and what was
        written so far is deleted."""
        limit_reads(self.environ)
        try:
            with disk_full_guard("staging"):
                super()._load_form_data()
        except (OSError, StorageFullError) as exc:
            for stream in self.staged_files:
                with suppress(OSError):
                    stream.close()
            if isinstance(exc, TimeoutError):
                raise AppError(408, "The upload stalled; send it again.") from exc
            raise


def sweep_staging(staging: Path, empty_older_than: float = EMPTY_FILE_GRACE_SECONDS) -> int:
    """Delete staging files left by a process that died mid-upload; return how many.

    A file whose lock nobody holds belongs to no live upload. An empty one is spared
    for a while: between creating a file and locking it, its writer has written nothing.
    """
    empty_cutoff = time.time() - empty_older_than
    removed = 0
    for path in staging.glob("*.part"):
        try:
            removed += _remove_if_abandoned(path, empty_cutoff)
        except FileNotFoundError:
            continue
    return removed


def _remove_if_abandoned(path: Path, empty_cutoff: float) -> bool:
    with open(path, "rb") as fh:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # an upload in progress is writing it
        stat = os.fstat(fh.fileno())
        if stat.st_size == 0 and stat.st_mtime >= empty_cutoff:
            return False
        path.unlink()
        return True
