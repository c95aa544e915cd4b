"""Running a Celery worker for vidstream's queues (``vidstream worker``)."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import warnings
from collections.abc import Callable
from typing import Any

from celery.exceptions import SecurityWarning
from celery.signals import worker_process_init, worker_ready, worker_shutdown
from flask import Flask

from vidstream import current
from vidstream.config import Settings
from vidstream.extensions import db
from vidstream.jobs.celery_app import QUEUES
from vidstream.jobs.sweep import Sweeper
from vidstream.media.encoders import choose_encoder

log = logging.getLogger(__name__)


def sweep_interval(settings: Settings) -> float:
    """How often the sweep runs: about once per lease period, between 2 s and a minute."""
    return float(min(60, max(2, settings.job_lease_seconds)))


def _watch_parent(parent_pid: int, stop: Callable[[], None]) -> None:
    """Call ``stop`` once the process that started this worker is gone."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            threading.Event().wait(2)
        log.warning("the process that started this worker is gone; stopping")
        stop()

    threading.Thread(target=watch, name="vidstream-parent-watch", daemon=True).start()


def _stop_own_group() -> None:
    """Warm shutdown, then the whole process group (this worker leads its own session)."""
    os.kill(os.getpid(), signal.SIGTERM)
    threading.Event().wait(10)
    os.killpg(os.getpgid(0), signal.SIGKILL)


def _connect_signals(app: Flask, sweeper: Sweeper) -> None:
    def after_fork(**_: Any) -> None:
        # Connections opened by the main process must not be shared with a pool process.
        with app.app_context():
            db.engine.dispose(close=False)

    def ready(**_: Any) -> None:
        sweeper.start()

    def shutdown(**_: Any) -> None:
        sweeper.stop()

    worker_process_init.connect(after_fork, weak=False)
    worker_ready.connect(ready, weak=False)
    worker_shutdown.connect(shutdown, weak=False)


def run_worker(
    app: Flask,
    *,
    concurrency: int,
    queues: tuple[str, ...] = QUEUES,
    loglevel: str = "INFO",
    parent_pid: int | None = None,
    quiet: bool = False,
) -> None:
    """Choose the encoder, then consume ``queues`` until told to stop.

    ``quiet`` leaves out Celery's start-up banner and its warning about running as
    root, for the worker ``vidstream serve`` runs beside itself: that one is exactly
    as privileged as the server, and accepts JSON only (the warning is about pickle).
    """
    settings = current.settings(app)
    encoder = choose_encoder(settings.video_encoder)
    log.info("video encoder: %s (VIDSTREAM_VIDEO_ENCODER=%s)", encoder, settings.video_encoder)
    celery_app = current.celery(app)
    _connect_signals(app, Sweeper(app, sweep_interval(settings)))
    if parent_pid:
        _watch_parent(parent_pid, _stop_own_group)
    if quiet:
        warnings.filterwarnings("ignore", category=SecurityWarning)
    celery_app.worker_main(
        [
            *(["--quiet"] if quiet else []),  # an option of celery itself, before "worker"
            "worker",
            f"--loglevel={loglevel}",
            f"--queues={','.join(queues)}",
            f"--concurrency={concurrency}",
            f"--hostname=vidstream-{os.getpid()}@{socket.gethostname()}",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
        ]
    )
