"""Target (a): ``vidstream serve`` on a fresh data directory, reached with a real session.

The data directory is migrated and given an account with the project's own commands;
the large file is then registered as that account's video the way the stream tests
register huge files (a row plus a hard link into storage, skipping the upload probe),
and the benchmark signs in over HTTP like a browser to get its session cookie.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

from sqlalchemy import select

from bench.accounts import sign_in
from bench.procs import HOST, BenchError, Target, free_port, launch
from vidstream import current
from vidstream.app import create_app
from vidstream.config import load_settings
from vidstream.extensions import db
from vidstream.models import User, Video, VideoStatus
from vidstream.storage import LocalStorage

USERNAME = "bench"
# A throwaway account in a throwaway data directory.
PASSWORD = secrets.token_urlsafe(16)


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


def _run_cli(args: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(
        [vidstream_command(), *args], env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BenchError(f"vidstream {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def register_video(env: dict[str, str], source: Path) -> str:
    """Add ``source`` as a ready video of the bench account; return its public id."""
    app = create_app(load_settings(env))
    with app.app_context():
        storage = current.storage(app)
        if not isinstance(storage, LocalStorage):
            raise BenchError("the benchmark needs local storage")
        owner = db.session.scalars(select(User).where(User.username == USERNAME)).one()
        video = Video(
            owner_id=owner.id,
            title="benchmark file",
            original_filename="bench.mp4",
            size_bytes=source.stat().st_size,
            status=VideoStatus.READY,
        )
        db.session.add(video)
        db.session.flush()
        target = storage.path(video.original_key)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(source, target)
        db.session.commit()
        public_id = video.public_id
        db.engine.dispose()
    return public_id


def start_embedded(
    stack: ExitStack, workdir: Path, source: Path, workers: int, threads: int
) -> Target:
    """Prepare a data dir and serve it with every service; sign in to it."""
    env = embedded_env(workdir / "data")
    _run_cli(["db", "upgrade"], env)
    _run_cli(["users", "create", USERNAME], {**env, "VIDSTREAM_NEW_PASSWORD": PASSWORD})
    public_id = register_video(env, source)
    port = free_port()
    argv = [vidstream_command(), "serve", "--host", HOST, "--port", str(port)]
    argv += ["--workers", str(workers), "--threads", str(threads)]
    launch(stack, "vidstream serve", argv, port, workdir / "vidstream.log", env=env)
    base_url = f"http://{HOST}:{port}"
    return Target(
        key="vidstream",
        label="vidstream serve (embedded)",
        url=f"{base_url}/media/{public_id}/original.mp4",
        cookie=sign_in(base_url, USERNAME, PASSWORD),
    )
