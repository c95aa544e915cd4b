"""``vidstream worker``: a background job worker; and the one ``vidstream serve`` runs."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import click
from flask import Flask

from vidstream import current
from vidstream.app import create_app
from vidstream.config import Settings, load_settings
from vidstream.jobs.celery_app import QUEUES
from vidstream.jobs.worker import run_worker
from vidstream.media.encoders import EncoderUnavailable
from vidstream.migrations.runner import SchemaBehind, ensure_schema

DEFAULT_CONCURRENCY = 2
STOP_GRACE_SECONDS = 4


def concurrency_default() -> int:
    """Parallel jobs per worker: ``VIDSTREAM_WORKER_CONCURRENCY``, else 2."""
    return int(os.environ.get("VIDSTREAM_WORKER_CONCURRENCY", DEFAULT_CONCURRENCY))


def _queue_names(value: str) -> tuple[str, ...]:
    names = tuple(name.strip() for name in value.split(",") if name.strip())
    unknown = [name for name in names if name not in QUEUES]
    if not names or unknown:
        raise click.BadParameter(f"choose from {', '.join(QUEUES)}", param_hint="--queues")
    return names


@click.command()
@click.option(
    "--concurrency",
    "-c",
    type=click.IntRange(1, 64),
    default=concurrency_default,
    show_default=True,
    help="Jobs run in parallel (VIDSTREAM_WORKER_CONCURRENCY).",
)
@click.option(
    "--queues",
    "-Q",
    default=",".join(QUEUES),
    show_default=True,
    help="Queues to consume: prepare (make uploads playable), render (the rest).",
)
@click.option("--loglevel", "-l", default="INFO", show_default=True)
@click.option("--parent-pid", type=int, hidden=True, help="Stop when this process is gone.")
@click.option("--ping", is_flag=True, help="Only check that a worker on this host answers.")
def worker(
    concurrency: int, queues: str, loglevel: str, parent_pid: int | None, ping: bool
) -> None:
    """Process videos: faststart, poster, storyboard and HLS renditions."""
    settings = load_settings()
    app = create_app(settings, services=[])
    if ping:
        _ping(app, settings)
        return
    schema_ready(app)
    try:
        run_worker(
            app,
            concurrency=concurrency,
            queues=_queue_names(queues),
            loglevel=loglevel.upper(),
            parent_pid=parent_pid,
            quiet=parent_pid is not None or settings.log_file is not None,
        )
    except EncoderUnavailable as error:
        raise click.ClickException(
            f"VIDSTREAM_VIDEO_ENCODER={settings.video_encoder}: {error}"
        ) from None


def schema_ready(app: Flask) -> str:
    """Migrate the embedded database or check an external one; stop with one line if behind."""
    try:
        return ensure_schema(app)
    except SchemaBehind as error:
        raise click.ClickException(str(error)) from None


def _ping(app: Flask, settings: Settings) -> None:
    """Exit 0 when a worker on this host answers a control ping (a container health check)."""
    if not settings.redis_url:
        raise click.ClickException("--ping needs Redis (VIDSTREAM_REDIS_URL)")
    celery_app = current.celery(app)
    replies = celery_app.control.ping(timeout=3.0) or []
    here = f"@{socket.gethostname()}"
    if not any(name.endswith(here) for reply in replies for name in reply):
        raise click.ClickException(f"no worker on {here[1:]} answered")
    click.echo("pong")


def wants_embedded_worker(settings: Settings, service: str | None) -> bool:
    """Whether ``vidstream serve`` should run a worker itself.

    Only in embedded mode (no Redis: nothing else would consume the on-disk queue),
    and only where uploads are accepted.
    """
    return settings.redis_url is None and service in (None, "upload")


class WorkerChild:
    """A ``vidstream worker`` process that starts and stops with the web server.

    It runs in a session of its own, so that the whole of it (pool processes and any
    ffmpeg they run) can be stopped together; it also stops by itself if the server
    dies first.
    """

    def __init__(self, concurrency: int) -> None:
        self.concurrency = concurrency
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, _server: Any) -> None:
        """Start the worker (gunicorn's ``when_ready`` hook)."""
        argv = [sys.executable, "-m", "vidstream", "worker", f"--concurrency={self.concurrency}"]
        argv.append(f"--parent-pid={os.getpid()}")
        self.process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, start_new_session=True)

    def stop(self, _server: Any) -> None:
        """Stop the worker (gunicorn's ``on_exit`` hook); see :func:`stop_worker_group`."""
        if self.process is not None:
            stop_worker_group(self.process.pid, lambda grace: _exited(self.process, grace))


def _exited(process: subprocess.Popen[bytes] | None, grace: float) -> bool:
    if process is None:
        return True
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        return False
    return True


def stop_worker_group(leader: int, exited: Callable[[float], bool]) -> None:
    """Stop a worker that leads its own process group, within a few seconds.

    Celery's warm shutdown (SIGTERM to the main process only) puts back the messages it
    had taken but not started. A job still running after the grace is cut short with
    the rest of the group: its lease names a dead process, so the next worker to start
    takes it over at once.
    """
    try:
        os.kill(leader, signal.SIGTERM)
    except ProcessLookupError:
        return
    if not exited(STOP_GRACE_SECONDS):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(leader, signal.SIGKILL)
        exited(5)
