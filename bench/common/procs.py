"""Server processes for the benchmarks: each in its own session, always stopped.

Every benchmark starts its servers here (nginx, ``vidstream serve``, gunicorn), finds
the tools it needs, and lets SIGTERM stop it as cleanly as Ctrl+C does.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

HOST = "127.0.0.1"


class BenchError(RuntimeError):
    """The benchmark cannot go on; the message says why."""


def find_tools() -> tuple[str, str]:
    """Paths of nginx and wrk, or a one-line reason why the benchmark cannot run."""
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    wrk = shutil.which("wrk")
    if nginx is None or wrk is None:
        missing = " and ".join(n for n, p in (("nginx", nginx), ("wrk", wrk)) if p is None)
        raise BenchError(f"{missing} not found: apt-get install nginx wrk")
    return nginx, wrk


def vidstream_command() -> str:
    """The ``vidstream`` console script of the interpreter running the benchmark."""
    script = Path(sys.executable).with_name("vidstream")
    if not script.exists():
        raise BenchError(f"{script} not found: run the benchmark with .venv/bin/python -m bench")
    return str(script)


def embedded_env(data_dir: Path) -> dict[str, str]:
    """This environment minus every VIDSTREAM_* setting (so defaults apply), plus the data dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIDSTREAM_")}
    env["VIDSTREAM_DATA_DIR"] = str(data_dir)
    return env


def vidstream_cli(env: Mapping[str, str], *args: str) -> str:
    """Run ``vidstream ARGS`` (``db upgrade``, ``users create``...); return what it printed."""
    done = subprocess.run(
        [vidstream_command(), *args], env=dict(env), capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BenchError(f"vidstream {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """Within the block, SIGTERM raises KeyboardInterrupt like Ctrl+C does.

    The servers run in sessions of their own, so only the benchmark's clean-up (its
    ``ExitStack``) stops them; an unhandled SIGTERM would skip it.
    """
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@dataclass
class Child:
    """A started server: its process group leader and the file its output goes to."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def log_tail(path: Path, lines: int = 20) -> str:
    """The last lines a child wrote, for error messages."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def start(
    name: str,
    argv: Sequence[str],
    log: Path,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Child:
    """Start ``argv`` in a new session so that stopping it reaches its workers too."""
    with open(log, "wb") as out:
        popen = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
        )
    return Child(name, popen, log)


def wait_until_listening(child: Child, port: int, timeout: float = 60.0) -> None:
    """Return once ``port`` accepts connections; fail early if the child dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = child.popen.poll()
        if status is not None:
            raise BenchError(f"{child.name} exited with status {status}:\n{log_tail(child.log)}")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise BenchError(f"{child.name} did not listen on port {port} within {timeout:.0f} s")


def stop(child: Child, grace: float = 45.0) -> None:
    """Stop the child's process group with SIGINT, then SIGKILL if it lingers.

    SIGINT is the fast stop for gunicorn and nginx alike. The grace is long because
    ``vidstream serve`` stops its own job worker (a separate session) before exiting.

    The leader is not reaped before the signal is sent, so its id (which is also the
    group's id) cannot have been handed to an unrelated process.
    """
    if child.popen.poll() is not None:
        return
    group = child.popen.pid
    os.killpg(group, signal.SIGINT)
    try:
        child.popen.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(group, signal.SIGKILL)
        child.popen.wait()


@dataclass(frozen=True)
class Target:
    """One server under test: what to call it, the URL of the file, and any Cookie header."""

    key: str
    label: str
    url: str
    cookie: str = ""


def launch(
    stack: ExitStack,
    name: str,
    argv: Sequence[str],
    port: int,
    log: Path,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Child:
    """Start a server whose stop is already registered on ``stack``; wait for its port."""
    child = start(name, argv, log, env=env, cwd=cwd)
    stack.callback(stop, child)
    wait_until_listening(child, port)
    return child
