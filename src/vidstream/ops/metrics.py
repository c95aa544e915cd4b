"""Prometheus metrics, created on first use and shared by every app in the process.

Under gunicorn with several workers each worker counts on its own; with
``PROMETHEUS_MULTIPROC_DIR`` set (``vidstream serve`` does it before forking) the
values live in files there and ``/metrics`` adds up every worker's. The client picks
its storage when it is first imported, so :func:`enable_multiprocess` must run
before anything creates a metric.
"""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# functools.cache does not stop two threads from building the value at once, and a
# metric registered twice raises; the first requests of a gthread worker race here.
_CREATING = threading.Lock()


@dataclass(frozen=True)
class Metrics:
    """Every metric vidstream records."""

    requests: Counter
    latency: Histogram
    bytes_served: Counter
    uploads: Counter
    videos: Gauge


def metrics() -> Metrics:
    """The process's metrics, registered once with the default registry."""
    with _CREATING:
        return _create_metrics()


@cache
def _create_metrics() -> Metrics:
    return Metrics(
        requests=Counter(
            "vidstream_http_requests",
            "HTTP requests answered, by method, route and status.",
            ["method", "route", "status"],
        ),
        latency=Histogram(
            "vidstream_http_request_duration_seconds",
            "Time to produce a response (not to send a streamed body), by route.",
            ["route"],
        ),
        bytes_served=Counter(
            "vidstream_media_bytes_served",
            "Media bytes answered (or handed to the gateway), by how they were sent.",
            ["via"],
        ),
        uploads=Counter(
            "vidstream_uploads",
            "Uploads finished, by outcome.",
            ["outcome"],
        ),
        videos=Gauge(
            "vidstream_videos",
            "Videos per processing state, counted when scraped.",
            ["state"],
            multiprocess_mode="livemostrecent",
        ),
    )


def render_metrics() -> tuple[bytes, str]:
    """The exposition text for every metric, summed across workers when multiprocess."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def enable_multiprocess(directory: Path) -> None:
    """Start a fresh multiprocess directory and switch the client to it.

    Files left by an earlier run would be added to this run's counts, so the
    directory is emptied first.
    """
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(directory)
    # The client chose in-memory values when it was imported; choose again now.
    values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]


def worker_exited(_server: Any, worker: Any) -> None:
    """gunicorn ``child_exit`` hook: drop a dead worker's live gauges."""
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]
