"""Request bodies stream to a staging file on disk, never into memory."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import IO

from flask import Request, current_app


class StagedUploadRequest(Request):
    """A request whose uploaded file parts are written straight to the staging directory.

    Werkzeug's multipart parser writes each file part into the stream returned here,
    chunk by chunk; the temporary file is deleted when the request closes it.
    """

    def _get_file_stream(
        self,
        total_content_length: int | None,
        content_type: str | None,
        filename: str | None = None,
        content_length: int | None = None,
    ) -> IO[bytes]:
        staging: Path = current_app.extensions["vidstream.settings"].staging_dir
        return tempfile.NamedTemporaryFile(dir=staging, prefix="form-", suffix=".part")


def sweep_staging(staging: Path, older_than_seconds: float = 24 * 3600) -> int:
    """Delete staging files left by a process that died mid-upload; return how many."""
    cutoff = time.time() - older_than_seconds
    removed = 0
    for path in staging.glob("*.part"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed
