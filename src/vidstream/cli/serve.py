"""``vidstream serve``: the web services under gunicorn (never the Flask dev server)."""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path
from typing import Any

import click
from flask import Flask
from gunicorn.app.base import BaseApplication
from sqlalchemy.exc import SQLAlchemyError

from vidstream import current
from vidstream.app import create_app
from vidstream.cli.worker import WorkerChild, concurrency_default, wants_embedded_worker
from vidstream.config import DEFAULT_PORTS, SERVICES, Settings, load_settings
from vidstream.extensions import db
from vidstream.ops.metrics import enable_multiprocess, worker_exited
from vidstream.services.upload.staging import sweep_staging
from vidstream.services.upload.tus.uploads import collect_expired_uploads


class GunicornServer(BaseApplication):  # type: ignore[misc]
    """Runs a prepared Flask app with the given gunicorn settings."""

    def __init__(self, app: Flask, options: dict[str, Any]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        """Apply the options this command computed."""
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        """The WSGI app every worker serves."""
        return self.application


def _reset_connections(_server: Any, worker: Any) -> None:
    """Never share database connections made before the fork with a worker."""
    with worker.app.application.app_context():
        db.engine.dispose(close=False)


def _sweep_staging(worker: Any) -> None:
    """A worker that replaces a killed one deletes the upload that one left in staging."""
    sweep_staging(current.settings(worker.app.application).staging_dir)


def _collect_expired_uploads(app: Flask) -> None:
    """Start-up housekeeping of the upload service; a schema not yet migrated only warns."""
    if "upload" not in current.settings(app).services:
        return
    with app.app_context():
        try:
            collect_expired_uploads()
        except SQLAlchemyError as error:
            click.echo(f"skipped removing expired uploads: {error.__class__.__name__}", err=True)


@click.command()
@click.option("--service", type=click.Choice(SERVICES), help="Run only this service.")
@click.option("--host", default=lambda: os.environ.get("VIDSTREAM_HOST", "127.0.0.1"))
@click.option("--port", type=int, help="Default: 5000, or the service's original port.")
@click.option("--workers", type=int, default=lambda: int(os.environ.get("VIDSTREAM_WORKERS", 2)))
@click.option("--threads", type=int, default=lambda: int(os.environ.get("VIDSTREAM_THREADS", 16)))
@click.option(
    "--worker/--no-worker",
    "with_worker",
    default=None,
    help="Run a job worker beside the server (default: without Redis, when serving uploads).",
)
def serve(
    service: str | None,
    host: str,
    port: int | None,
    workers: int,
    threads: int,
    with_worker: bool | None,
) -> None:
    """Serve all three services in one gunicorn server, or just one of them."""
    settings = load_settings()
    port = port or DEFAULT_PORTS[service or "auth"]
    # Before the app (and any metric) exists, so every worker counts into shared files.
    # One folder per server, in the temporary directory rather than the data volume:
    # the files are memory-mapped, and a page that cannot be allocated on a full disk
    # kills the worker that touches it (SIGBUS) instead of failing one request.
    metrics_dir = f"{service or 'all'}-{socket.gethostname()}-{port}"
    enable_multiprocess(Path(tempfile.gettempdir()) / "vidstream-metrics" / metrics_dir)
    app = create_app(settings, services=[service] if service else None)
    sweep_staging(settings.staging_dir)
    _collect_expired_uploads(app)
    names = service or "auth, upload and stream"
    click.echo(
        f"vidstream ({names}) is running at http://{host}:{port} (Ctrl+C stops it)", err=True
    )
    GunicornServer(
        app,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "worker_class": "gthread",
            "threads": threads,
            "timeout": 120,
            "graceful_timeout": 30,
            "keepalive": 5,
            "accesslog": os.environ.get("VIDSTREAM_ACCESS_LOG") or None,
            "errorlog": "-",
            "loglevel": "info",
            "post_fork": _reset_connections,
            "post_worker_init": _sweep_staging,
            "child_exit": worker_exited,
            # Several vidstream servers share a host; a shared control socket would clash.
            "control_socket_disable": True,
            **_worker_hooks(settings, service, with_worker),
        },
    ).run()


def _worker_hooks(settings: Settings, service: str | None, wanted: bool | None) -> dict[str, Any]:
    """gunicorn hooks that run a job worker beside the server, when one is wanted."""
    if wanted is False or (wanted is None and not wants_embedded_worker(settings, service)):
        return {}
    child = WorkerChild(concurrency_default())
    return {"when_ready": child.start, "on_exit": child.stop}
