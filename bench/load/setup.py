"""The site the load benchmark runs against: ``vidstream serve`` with its defaults.

Viewer accounts each own one video of random bytes and sign in over HTTP; uploader
accounts each get a personal access token. The server is the plain ``vidstream
serve`` (every service, default workers and threads, the job worker beside it), on
the embedded stores, or on a fresh MariaDB/MySQL database and a Redis key prefix
("external") that are removed again afterwards.
"""

from __future__ import annotations

import argparse
import secrets
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import redis
import sqlalchemy as sa

from bench.common.accounts import add_accounts, add_tokens, register_file, sign_in
from bench.common.files import write_random_file
from bench.common.procs import HOST, BenchError, embedded_env, free_port, launch, vidstream_command
from vidstream.app import create_app
from vidstream.config import load_settings
from vidstream.migrations.runner import upgrade_database

# Throwaway accounts in a throwaway data directory.
PASSWORD = secrets.token_urlsafe(16)


class Unreachable(BenchError):
    """The external database or Redis does not answer, so that mode cannot run."""


@dataclass(frozen=True)
class Viewer:
    """A signed-in viewer, the video it owns, and the file that video was made from."""

    cookie: str
    video_id: str
    source: Path


@dataclass(frozen=True)
class Site:
    """The running server: its URL, viewers, uploaders' tokens and its log."""

    base_url: str
    viewers: list[Viewer]
    tokens: list[str]
    log: Path


def external_env(stack: ExitStack, args: argparse.Namespace) -> dict[str, str]:
    """A fresh database on ``--mysql-url`` and a fresh Redis prefix, both removed later."""
    name = f"vidstream_bench_{secrets.token_hex(4)}"
    prefix = f"vidstream-bench-{secrets.token_hex(4)}:"
    server = sa.create_engine(args.mysql_url, pool_pre_ping=True)
    try:
        with server.begin() as conn:
            conn.execute(sa.text(f"CREATE DATABASE {name} CHARACTER SET utf8mb4"))
        redis.Redis.from_url(args.redis_url, socket_connect_timeout=2).ping()
    except (sa.exc.OperationalError, redis.RedisError) as error:
        server.dispose()
        raise Unreachable(f"MariaDB/MySQL or Redis is not reachable: {error}") from None

    def remove() -> None:
        with server.begin() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
        server.dispose()
        client = redis.Redis.from_url(args.redis_url)
        for key in client.scan_iter(match=f"{prefix}*", count=1000):
            client.delete(key)

    stack.callback(remove)
    return {
        "VIDSTREAM_DATABASE_URL": args.mysql_url.rstrip("/") + "/" + name,
        "VIDSTREAM_REDIS_URL": args.redis_url,
        "VIDSTREAM_REDIS_PREFIX": prefix,
    }


@dataclass(frozen=True)
class Population:
    """Who is in the data directory: viewers with their video's id and size, and tokens."""

    videos: list[tuple[str, str, Path]]
    tokens: list[str]


def populate(env: dict[str, str], workdir: Path, args: argparse.Namespace) -> Population:
    """Migrate; add viewers, with a video each, and uploaders, with a token each."""
    app = create_app(load_settings(env))
    upgrade_database(app)
    viewers = [f"viewer{i}" for i in range(args.videos)]
    uploaders = [f"uploader{i}" for i in range(args.uploaders)]
    add_accounts(app, viewers + uploaders, PASSWORD)
    videos = []
    for name in viewers:
        source = workdir / f"{name}.bin"
        write_random_file(source, args.video_mib)
        videos.append((name, register_file(app, name, source), source))
    return Population(videos, add_tokens(app, uploaders))


def start_site(stack: ExitStack, workdir: Path, mode: str, args: argparse.Namespace) -> Site:
    """Populate a data directory and serve it; the server stops when ``stack`` closes."""
    env = embedded_env(workdir / "data")
    if mode == "external":
        env |= external_env(stack, args)
    population = populate(env, workdir, args)
    port = free_port()
    log = workdir / "vidstream.log"
    argv = [vidstream_command(), "serve", "--host", HOST, "--port", str(port)]
    launch(stack, "vidstream serve", argv, port, log, env=env)
    base_url = f"http://{HOST}:{port}"
    viewers = [
        Viewer(sign_in(base_url, name, PASSWORD), public_id, source)
        for name, public_id, source in population.videos
    ]
    return Site(base_url, viewers, population.tokens, log)
