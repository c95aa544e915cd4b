"""Private MariaDB and Redis servers that a fault test may stop and start at will.

The shared servers on ports 3306 and 6379 serve every test run on the machine and are
never stopped; these run on free loopback ports, with their data in a folder of the
test's own, and in a session of their own so that nothing outlives the test. Stopping
one is a clean shutdown (SIGTERM), as a service manager would do it; starting it
again reuses the same port and data, as a restarted server would.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pymysql
import pytest
import redis

from tests.support.servers import HOST, free_ports


class PrivateServerError(RuntimeError):
    """A private server did not start or stop in time; the message carries its log."""


def require_binary(name: str) -> str:
    """The path of ``name``; skip without it, except under ``CI=true`` where that fails."""
    found = shutil.which(name) or next(
        (p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.access(p, os.X_OK)), None
    )
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {name} is not installed: this fault test cannot run")
        pytest.skip(f"{name} is not installed")
    return found


@dataclass
class PrivateServer:
    """A database or cache server on a port of its own, stopped and started by the test."""

    name: str
    port: int
    argv: list[str]
    workdir: Path
    answers: Callable[[int], None]
    popen: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def log(self) -> Path:
        """Where the server's output goes (appended to across restarts)."""
        return self.workdir / f"{self.name}.log"

    def log_tail(self, lines: int = 40) -> str:
        """The last lines the server wrote."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def start(self, timeout: float = 60) -> None:
        """Start the server and return once it answers a query."""
        with open(self.log, "ab") as out:
            self.popen = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while True:
            if (status := self.popen.poll()) is not None:
                raise PrivateServerError(f"{self.name} exited ({status}):\n{self.log_tail()}")
            try:
                self.answers(self.port)
                return
            except Exception as error:
                if time.monotonic() > deadline:
                    raise PrivateServerError(
                        f"{self.name} did not answer within {timeout:.0f} s ({error}):\n"
                        f"{self.log_tail()}"
                    ) from error
            time.sleep(0.1)

    def stop(self, timeout: float = 60) -> None:
        """Shut the server down cleanly (SIGTERM) and wait for it; SIGKILL if it lingers."""
        popen, self.popen = self.popen, None
        if popen is None or popen.poll() is not None:
            return
        popen.send_signal(signal.SIGTERM)
        try:
            popen.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(popen.pid, signal.SIGKILL)
            popen.wait()
            raise PrivateServerError(f"{self.name} ignored SIGTERM:\n{self.log_tail()}") from None


def _mariadb_answers(port: int) -> None:
    connection = pymysql.connect(host=HOST, port=port, user="root", connect_timeout=2)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connection.close()


def mariadb_server(workdir: Path) -> PrivateServer:
    """A fresh MariaDB data folder in ``workdir`` and a server for it (not started yet).

    Grant tables are skipped (any user, no password): it listens on loopback only and
    lives as long as one test. InnoDB is kept small so it starts in about a second.
    """
    install = require_binary("mariadb-install-db")
    server = require_binary("mariadbd")
    data = workdir / "mariadb"
    workdir.mkdir(parents=True, exist_ok=True)
    user = ["--user=root"] if os.geteuid() == 0 else []
    result = subprocess.run(
        [install, "--no-defaults", f"--datadir={data}", *user, "--skip-test-db",
         "--auth-root-authentication-method=normal"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise PrivateServerError(f"mariadb-install-db failed:\n{result.stdout}{result.stderr}")
    (port,) = free_ports(1)
    argv = [
        server, "--no-defaults", f"--datadir={data}", *user, f"--port={port}",
        f"--bind-address={HOST}", f"--socket={workdir / 'mariadb.sock'}",
        f"--pid-file={workdir / 'mariadb.pid'}", "--skip-grant-tables", "--skip-log-bin",
        "--innodb-buffer-pool-size=32M", "--innodb-log-file-size=16M",
        "--innodb-flush-log-at-trx-commit=2",
    ]  # fmt: skip
    return PrivateServer("mariadb", port, argv, workdir, _mariadb_answers)


def mariadb_url(server: PrivateServer, database: str) -> str:
    """The SQLAlchemy URL of ``database`` on ``server``, created if it does not exist yet."""
    connection = pymysql.connect(host=HOST, port=server.port, user="root", connect_timeout=5)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE IF NOT EXISTS {database} CHARACTER SET utf8mb4")
    finally:
        connection.close()
    return f"mysql+pymysql://root@{HOST}:{server.port}/{database}"


def _redis_answers(port: int) -> None:
    redis.Redis(host=HOST, port=port, socket_connect_timeout=2).ping()


def redis_server(workdir: Path) -> PrivateServer:
    """A Redis server with its data in ``workdir`` (not started yet).

    It saves a snapshot when it shuts down and loads it when it starts, as a Redis
    holding sessions is normally run, so sessions outlive a restart.
    """
    binary = require_binary("redis-server")
    workdir.mkdir(parents=True, exist_ok=True)
    (port,) = free_ports(1)
    argv = [
        binary, "--port", str(port), "--bind", HOST, "--dir", str(workdir),
        "--save", "3600 1", "--appendonly", "no", "--daemonize", "no",
    ]  # fmt: skip
    return PrivateServer("redis", port, argv, workdir, _redis_answers)
