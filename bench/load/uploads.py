"""Uploaders for the load benchmark: tuspy clients that upload, delete and start again.

Each uploader is a thread with its own account and access token. It creates an
upload, sends the file chunk by chunk (one PATCH each, timed), reads the new video's
id from the last answer, deletes the video through the API (so disk use stays flat
and the job worker has nothing left to render), and starts over until the deadline.
Any failed request is recorded with its reason; none is retried.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from tusclient.client import TusClient
from tusclient.exceptions import TusCommunicationError, TusUploadFailed


@dataclass
class UploaderTally:
    """What one uploader did: every PATCH's seconds and bytes, and what went wrong."""

    patch_seconds: list[float] = field(default_factory=list)
    patch_bytes: int = 0
    uploads: int = 0
    deletes: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class UploadPlan:
    """The file every uploader sends, in chunks of ``chunk_bytes``, until ``deadline``."""

    base_url: str
    source: Path
    chunk_bytes: int
    deadline: float


class Uploader(threading.Thread):
    """One account uploading ``plan.source`` over and over until the deadline."""

    def __init__(self, plan: UploadPlan, token: str, start: threading.Barrier) -> None:
        super().__init__(daemon=True)
        self.plan = plan
        self.headers = {"Authorization": f"Bearer {token}"}
        self.start_together = start
        self.tally = UploaderTally()

    def run(self) -> None:
        """Upload until the deadline; a failure is counted and the next upload begins."""
        self.start_together.wait()
        while time.monotonic() < self.plan.deadline:
            try:
                self.upload_once()
            except (TusCommunicationError, TusUploadFailed, requests.RequestException) as error:
                self.tally.errors.append(_reason(error))

    def upload_once(self) -> None:
        """Create, send every chunk (timing each PATCH), then delete the new video."""
        client = TusClient(f"{self.plan.base_url}/api/uploads/", headers=self.headers)
        uploader = client.uploader(
            file_path=str(self.plan.source),
            chunk_size=self.plan.chunk_bytes,
            metadata={"filename": self.plan.source.name},
        )
        uploader.set_url(uploader.create_url())
        uploader.offset = 0
        size = self.plan.source.stat().st_size
        while uploader.offset < size:
            if time.monotonic() >= self.plan.deadline:
                return
            before, began = uploader.offset, time.perf_counter()
            uploader.upload_chunk()  # type: ignore[no-untyped-call]
            self.tally.patch_seconds.append(time.perf_counter() - began)
            self.tally.patch_bytes += uploader.offset - before
        self.tally.uploads += 1
        last = uploader.request
        video_id = last.response_headers.get("upload-video-id") if last else None
        if not video_id:
            self.tally.errors.append("the last PATCH named no video")
            return
        answer = requests.delete(
            f"{self.plan.base_url}/api/videos/{video_id}", headers=self.headers, timeout=60
        )
        if answer.status_code >= 400:
            self.tally.errors.append(f"DELETE answered {answer.status_code}")
        else:
            self.tally.deletes += 1


def _reason(error: Exception) -> str:
    status = getattr(error, "status_code", None)
    return f"{type(error).__name__} ({status})" if status else f"{type(error).__name__}: {error}"


def start_uploaders(plan: UploadPlan, tokens: list[str]) -> list[Uploader]:
    """Start one uploader per token; they begin together once all are ready."""
    start = threading.Barrier(len(tokens))
    uploaders = [Uploader(plan, token, start) for token in tokens]
    for uploader in uploaders:
        uploader.start()
    return uploaders


def finish_uploaders(uploaders: list[Uploader], grace: float = 120.0) -> list[UploaderTally]:
    """Wait for every uploader to stop; one still waiting ``grace`` s after the deadline
    (tuspy sets no timeouts) counts an error."""
    for uploader in uploaders:
        uploader.join(max(0.0, uploader.plan.deadline + grace - time.monotonic()))
        if uploader.is_alive():
            uploader.tally.errors.append(f"a request was still unanswered {grace:.0f} s late")
    return [uploader.tally for uploader in uploaders]
