"""``vidstream serve`` on one port, killed with SIGKILL and started again by a test.

Builds on tests/support/servers.py: each run is a process group of its own (gunicorn's
master and workers), logged to a file per run. Runs use one gunicorn worker and no
job worker beside the server, which keeps these tests light on CPU.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.support.servers import (
    HOST,
    ServerProcess,
    free_ports,
    show_logs_on_failure,
    start_process,
    vidstream_executable,
    wait_for_url,
)
from vidstream import create_app
from vidstream.config import Settings, load_settings
from vidstream.extensions import db
from vidstream.migrations.runner import upgrade_database


def server_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment that points a vidstream process at the settings' database and files."""
    env = {
        "VIDSTREAM_DATA_DIR": str(settings.data_dir),
        "VIDSTREAM_DATABASE_URL": settings.database_url,
        "VIDSTREAM_SECRET_KEY": settings.secret_key,
        # As the in-process tests: several people sign up (tests of the modes set their own).
        "VIDSTREAM_SIGNUP": settings.signup or "open",
        "VIDSTREAM_REDIS_PREFIX": settings.redis_prefix,
        "VIDSTREAM_WORKERS": "1",
        "VIDSTREAM_THREADS": "4",
        **extra,
    }
    if settings.redis_url:
        env["VIDSTREAM_REDIS_URL"] = settings.redis_url
    return env


def children_of(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (a gunicorn master's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name, in parentheses, may itself hold spaces: fields follow the last ")".
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


class RestartableServer:
    """``vidstream serve [--service S] --no-worker`` on a fixed port, restartable."""

    def __init__(self, env: dict[str, str], log_dir: Path, service: str | None = None) -> None:
        self.port = free_ports(1)[0]
        self.url = f"http://{HOST}:{self.port}"
        self.env = env
        self.log_dir = log_dir
        self.service = service
        self.runs: list[ServerProcess] = []

    @property
    def current(self) -> ServerProcess:
        """The latest run."""
        return self.runs[-1]

    def start(self) -> None:
        """Start a fresh run on the same port; return once it answers."""
        clean = {k: v for k, v in os.environ.items() if not k.startswith("VIDSTREAM_")}
        argv = [vidstream_executable(), "serve", "--host", HOST, "--port", str(self.port)]
        argv += ["--no-worker", *(["--service", self.service] if self.service else [])]
        name = f"{self.service or 'vidstream'}-{len(self.runs)}"
        run = start_process(name, argv, self.url, self.log_dir, {**clean, **self.env})
        self.runs.append(run)
        wait_for_url(run, "/healthz")

    def worker_pid(self, timeout: float = 30) -> int:
        """The pid of the run's gunicorn worker (waiting for one to be up)."""
        deadline = time.monotonic() + timeout
        while not (workers := children_of(self.current.popen.pid)):
            if time.monotonic() > deadline:
                raise AssertionError(f"no gunicorn worker:\n{self.current.log_tail()}")
            time.sleep(0.05)
        return workers[0]

    def kill9_worker(self) -> int:
        """SIGKILL the gunicorn worker alone (its master starts another); return its pid."""
        pid = self.worker_pid()
        os.kill(pid, signal.SIGKILL)
        return pid

    def kill9(self) -> None:
        """SIGKILL the whole run at once: master and worker, mid-whatever."""
        popen = self.current.popen
        os.killpg(popen.pid, signal.SIGKILL)
        popen.wait(10)

    def restart(self) -> None:
        """Stop the current run the usual way (SIGINT) and start a fresh one."""
        self.current.stop()
        self.start()

    def stop(self) -> None:
        """Stop every run still alive."""
        for run in self.runs:
            run.stop()


@contextmanager
def serving(
    request: pytest.FixtureRequest,
    env: dict[str, str],
    log_dir: Path,
    *,
    service: str | None = None,
    also_logged: Iterable[ServerProcess] = (),
) -> Iterator[RestartableServer]:
    """A started :class:`RestartableServer`; its logs (and ``also_logged``'s) shown if the
    test failed, and every run stopped afterwards."""
    failed_before = request.session.testsfailed
    server = RestartableServer(env, log_dir, service)
    server.start()
    try:
        yield server
    finally:
        show_logs_on_failure(request, [*server.runs, *also_logged], failed_before)
        server.stop()


@contextmanager
def migrated_app(data_dir: Path, **overrides: Any) -> Iterator[Flask]:
    """A test app with these settings (embedded defaults otherwise), its database migrated."""
    settings = load_settings(env={}, data_dir=data_dir, testing=True, **overrides)
    app = create_app(settings)
    upgrade_database(app)
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()
