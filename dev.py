#!/usr/bin/env python3
"""The two commands: ``python3 dev.py run`` and ``python3 dev.py test``.

Needs only Python 3.11+. Creates (or reuses) ``.venv``, installs the pinned
dependencies when they change, then either serves vidstream on http://127.0.0.1:5000
with embedded defaults (it migrates its database as it starts), or runs the whole
test suite: lints, the tests on SQLite with embedded stores, and the tests again on
MariaDB + Redis.

``run`` keeps the terminal to a few lines and writes the full log (pip's included) to
``vidstream.log`` in the data dir; ``run --verbose`` shows everything instead. Other
arguments go to ``vidstream serve`` (``run --port 5050``) or to pytest.
"""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import venv
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
LOCK = ROOT / "requirements" / "lock.txt"
STAMP = VENV / ".vidstream-installed"
MYSQL_URL = "mysql+pymysql://root@127.0.0.1:3306/"
REDIS_URL = "redis://127.0.0.1:6379/0"
LOG_NAME = "vidstream.log"


def say(message: str) -> None:
    """Progress for the person at the terminal."""
    print(f"==> {message}", flush=True)


def run(*args: str | Path, env: dict[str, str] | None = None) -> int:
    """Run a command from the project root; return its exit status."""
    return subprocess.call([str(a) for a in args], cwd=ROOT, env=env)


def data_dir() -> Path:
    """Where vidstream keeps its files: ``VIDSTREAM_DATA_DIR``, else ``./data``."""
    return (ROOT / Path(os.environ.get("VIDSTREAM_DATA_DIR", "data")).expanduser()).resolve()


def ensure_venv(verbose: bool = False) -> None:
    """Create .venv if needed and install the pinned dependencies if they changed."""
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be run by an older python3
        sys.exit("vidstream needs Python 3.11 or newer.")
    if not (BIN / "python").exists():
        say(f"creating a virtual environment in {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256(LOCK.read_bytes() + (ROOT / "pyproject.toml").read_bytes())
    if STAMP.exists() and STAMP.read_text() == digest.hexdigest():
        return
    say("installing pinned dependencies (first run only; a few minutes)")
    pip = [BIN / "python", "-m", "pip", "install", "--disable-pip-version-check"]
    if verbose:
        failed = run(*pip, "-r", LOCK) or run(*pip, "--no-deps", "-e", ROOT)
    else:
        failed = not pip_with_progress([*pip, "-r", LOCK], [*pip, "--no-deps", "-e", ROOT])
    if failed:
        sys.exit("installing dependencies failed; see the messages above.")
    STAMP.write_text(digest.hexdigest())


def pip_with_progress(*commands: list[str | Path]) -> bool:
    """Run pip with its output in the log file; show one progress line; True on success."""
    total = sum(1 for line in LOCK.read_text().splitlines() if line[:1].isalnum())
    log_path = data_dir() / LOG_NAME
    log_path.parent.mkdir(parents=True, exist_ok=True)
    tty, done, tail = sys.stdout.isatty(), 0, deque[str](maxlen=15)
    with open(log_path, "a") as log:
        for command in commands:
            argv = [str(a) for a in command]
            pip = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)  # fmt: skip
            assert pip.stdout is not None
            for line in pip.stdout:
                log.write(line)
                tail.append(line.rstrip())
                done += line.startswith("Collecting ")
                if tty:
                    print(f"\r    {min(done, total)}/{total} packages", end="", flush=True)
            if pip.wait():
                print("\n" + "\n".join(tail) + f"\n(the whole output is in {log_path})")
                return False
    print(f"\r    {total}/{total} packages installed" if tty else f"    {total} packages installed")
    return True


def serve(extra: list[str]) -> int:
    """Serve all three services on port 5000 (``vidstream serve`` migrates the database)."""
    verbose = "--verbose" in extra
    extra = [arg for arg in extra if arg != "--verbose"]
    ensure_venv(verbose)
    env = dict(os.environ)
    if not verbose:
        env.setdefault("VIDSTREAM_LOG_FILE", LOG_NAME)
    # Ctrl+C reaches vidstream too (same process group); it stops, and so does this.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    status = run(BIN / "vidstream", "serve", *extra, env=env)
    return 0 if status in (0, -signal.SIGINT) else status


def reachable(host: str, port: int) -> bool:
    """Whether a TCP service answers on host:port."""
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def external_pass_env(base: dict[str, str]) -> dict[str, str] | None:
    """Environment for the MariaDB + Redis pass, or None to skip it (never under CI)."""
    db_url = os.environ.get("VIDSTREAM_TEST_DATABASE_URL", MYSQL_URL)
    redis_url = os.environ.get("VIDSTREAM_TEST_REDIS_URL", REDIS_URL)
    missing = [n for n, p in (("MariaDB", 3306), ("Redis", 6379)) if not reachable("127.0.0.1", p)]
    if missing:
        reason = f"{' and '.join(missing)} not reachable on 127.0.0.1"
        if os.environ.get("CI") == "true":
            sys.exit(f"CI=true and {reason}: the MariaDB + Redis pass cannot run.")
        say(f"skipping the MariaDB + Redis pass: {reason}")
        return None
    return {**base, "VIDSTREAM_TEST_DATABASE_URL": db_url, "VIDSTREAM_TEST_REDIS_URL": redis_url}


def test(extra: list[str]) -> int:
    """Lints, then the suite on embedded stores, then on MariaDB + Redis."""
    ensure_venv()
    py = BIN / "python"
    steps: list[tuple[str, list[str | Path]]] = [
        ("ruff check", [py, "-m", "ruff", "check", "src", "tests", "bench", "dev.py"]),
        (
            "ruff format --check",
            [py, "-m", "ruff", "format", "--check", "src", "tests", "bench", "dev.py"],
        ),
        ("mypy --strict", [py, "-m", "mypy"]),
        ("import rules (docs/architecture.md)", [BIN / "lint-imports", "--no-cache"]),
    ]
    for name, cmd in steps:
        say(name)
        if run(*cmd):
            return 1
    base = {k: v for k, v in os.environ.items() if not k.startswith("VIDSTREAM_")}
    say("tests on SQLite with embedded stores")
    if run(py, "-m", "pytest", *extra, env=base):
        return 1
    external = external_pass_env(base)
    if external is None:
        return 0
    say("tests on MariaDB + Redis")
    return run(py, "-m", "pytest", *extra, env=external)


def main() -> int:
    """Dispatch ``run`` or ``test``."""
    command, extra = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("run", [])
    if command == "run":
        return serve(extra)
    if command == "test":
        return test(extra)
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
