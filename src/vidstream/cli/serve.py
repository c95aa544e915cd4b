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
from gunicorn.glogging import Logger as GunicornLogger
from sqlalchemy.exc import SQLAlchemyError

from vidstream import current
from vidstream.app import create_app
from vidstream.cli.worker import (
    WorkerChild,
    concurrency_default,
    schema_ready,
    wants_embedded_worker,
)
from vidstream.config import DEFAULT_PORTS, SERVICES, Settings, load_settings
from vidstream.extensions import db
from vidstream.ops.logs import console_for_warnings
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


class FileLogger(GunicornLogger):  # type: ignore[misc]
    """gunicorn's log into the log file, with its warnings and errors on the terminal too."""

    def setup(self, cfg: Any) -> None:
        """gunicorn's own setup (the file is ``errorlog``), plus a console for warnings."""
        super().setup(cfg)
        console = console_for_warnings("text")
        console._gunicorn = True  # type: ignore[attr-defined]  # a reload replaces it
        self.error_log.addHandler(console)


def _reset_connections(_server: Any, worker: Any) -> None:
    """Never share database connections made before the fork with a worker."""
    with worker.app.application.app_context():
        db.engine.dispose(close=False)


def _sweep_staging(worker: Any) -> None:
    """A worker that replaces a killed one deletes the upload that one left in staging."""
    sweep_staging(current.settings(worker.app.application).staging_dir)


def _collect_expired_uploads(app: Flask) -> None:
    """Start-up housekeeping of the upload service; a database error here only warns."""
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
    revision = schema_ready(app)
    sweep_staging(settings.staging_dir)
    _collect_expired_uploads(app)
    _greet(settings, service, f"http://{host}:{port}", revision)
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
            **_log_options(settings),
            "post_fork": _reset_connections,
            "post_worker_init": _sweep_staging,
            "child_exit": worker_exited,
            # Several vidstream servers share a host; a shared control socket would clash.
            "control_socket_disable": True,
            **_worker_hooks(settings, service, with_worker),
        },
    ).run()


def _greet(settings: Settings, service: str | None, url: str, revision: str) -> None:
    """The few lines a person starting the server needs: state, URL, where things are."""
    names = service or "auth, upload and stream"
    logs = f"; logs in {settings.log_file}" if settings.log_file else ""
    click.echo(f"database ready (revision {revision})", err=True)
    click.echo(f"vidstream ({names}) is running at {url}", err=True)
    click.echo(f"data in {settings.data_dir}{logs}", err=True)
    click.echo("Ctrl+C stops it", err=True)


def _log_options(settings: Settings) -> dict[str, Any]:
    """gunicorn's log: on stderr, or into the log file with only warnings on stderr."""
    if settings.log_file is None:
        return {"errorlog": "-", "loglevel": "info"}
    return {"errorlog": str(settings.log_file), "loglevel": "info", "logger_class": FileLogger}


def _worker_hooks(settings: Settings, service: str | None, wanted: bool | None) -> dict[str, Any]:
    """gunicorn hooks that run a job worker beside the server, when one is wanted."""
    if wanted is False or (wanted is None and not wants_embedded_worker(settings, service)):
        return {}
    child = WorkerChild(concurrency_default())
    return {"when_ready": child.start, "on_exit": child.stop}
