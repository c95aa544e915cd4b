"""Everything the gateway benchmark measures, started and ready to be loaded.

A fresh data directory gets one account and two videos: the large file (registered
directly) and a short clip that goes through the real pipeline, so its HLS ladder is
what a worker would publish. Then three vidstream processes start: the stream service
behind the gateway (``VIDSTREAM_ACCEL_REDIRECT``), a stream service that gives out
signed links (``VIDSTREAM_MEDIA_LINKS``; only asked for links, never loaded) and one
for sign-in; and one nginx (the gateway, and a server sending the files directly).
The benchmark signs in through the gateway like a browser, then asks for links.
"""

from __future__ import annotations

import argparse
import secrets
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from sqlalchemy import update
from tests.support.media import make_mp4
from tests.support.pipeline import process_now

from bench.common.accounts import add_accounts, register_file, sign_in
from bench.common.procs import HOST, BenchError, embedded_env, free_port, launch, vidstream_command
from bench.gateway.links import link_to_original, links_to_segments
from bench.gateway.nginx import ACCEL_PREFIX, SIGNED_PREFIX, Gateway, write_config
from vidstream import current
from vidstream.app import create_app
from vidstream.config import load_settings
from vidstream.extensions import db
from vidstream.jobs.context import Outcome
from vidstream.migrations.runner import upgrade_database
from vidstream.models import Video, VideoStatus
from vidstream.models.video import hls_key

USERNAME = "viewer"
LINK_SECONDS = 6 * 3600
# A throwaway account in a throwaway data directory.
PASSWORD = secrets.token_urlsafe(16)


@dataclass(frozen=True)
class Library:
    """The benchmark's videos: the large file's id, and the clip's id and segment keys."""

    original_id: str
    hls_id: str
    segment_keys: tuple[str, ...]


@dataclass(frozen=True)
class Running:
    """The started servers: base URLs, the session cookie and what they serve."""

    gateway: str
    direct: str
    # A stream service answering with its own bytes (no gateway in front).
    app: str
    cookie: str
    media_root: Path
    library: Library
    # Storage key -> signed link (path and query) the links service handed out.
    links: dict[str, str]
    # Process group leaders whose CPU time is measured: the stream service and nginx.
    pids: dict[str, int]


def service_env(data_dir: Path, args: argparse.Namespace) -> dict[str, str]:
    """Embedded defaults, or sessions and the media cache in Redis with ``--redis-url``."""
    env = embedded_env(data_dir) | {"VIDSTREAM_TRUSTED_PROXY_NETWORKS": "127.0.0.1"}
    if args.redis_url:
        env |= {"VIDSTREAM_REDIS_URL": args.redis_url, "VIDSTREAM_REDIS_PREFIX": args.redis_prefix}
    return env


def _hls_clip(app: Flask, workdir: Path, seconds: int) -> tuple[str, tuple[str, ...]]:
    """A clip processed by the real pipeline; its id and the keys of its segments."""
    clip = make_mp4(workdir / "clip.mp4", seconds=seconds, size="854x480", faststart=True)
    public_id = register_file(app, USERNAME, clip)
    with app.app_context():
        db.session.execute(
            update(Video).where(Video.public_id == public_id).values(status=VideoStatus.VALIDATING)
        )
        db.session.commit()
    if process_now(app, public_id)[1] is not Outcome.READY:
        raise BenchError("the pipeline did not make the clip ready")
    with app.app_context():
        storage = current.storage(app)
        root = storage.path(hls_key(public_id))
        keys = tuple(
            hls_key(public_id, p.parent.name, p.name) for p in sorted(root.glob("*/seg_*.m4s"))
        )
        db.engine.dispose()
    if not keys:
        raise BenchError("the pipeline published no HLS segments")
    return public_id, keys


def prepare_library(
    env: dict[str, str], workdir: Path, source: Path, args: argparse.Namespace
) -> Library:
    """Migrate, add the account, register the large file and process the clip."""
    app = create_app(load_settings(env))
    upgrade_database(app)
    add_accounts(app, [USERNAME], PASSWORD)
    original_id = register_file(app, USERNAME, source)
    hls_id, keys = _hls_clip(app, workdir, args.clip_seconds)
    return Library(original_id, hls_id, keys)


def _serve(stack: ExitStack, env: dict[str, str], log: Path, extra: list[str], port: int) -> int:
    argv = [vidstream_command(), "serve", "--host", HOST, "--port", str(port), *extra]
    return launch(stack, log.stem, argv, port, log, env=env).popen.pid


def _start_nginx(
    stack: ExitStack, nginx: str, workdir: Path, gateway: Gateway, args: argparse.Namespace
) -> int:
    prefix = workdir / "nginx"
    config = write_config(
        prefix, gateway, workdir / "data" / "media", args.nginx_workers, args.access_log
    )
    argv = [nginx, "-p", str(prefix), "-c", str(config), "-e", str(prefix / "error.log")]
    argv += ["-g", "daemon off;"]
    return launch(stack, "nginx", argv, gateway.port, prefix / "stdout.log").popen.pid


def _start_services(
    stack: ExitStack, env: dict[str, str], workdir: Path, secret: str, args: argparse.Namespace
) -> tuple[dict[str, int], int, int, int, int]:
    """The X-Accel-Redirect stream service, a stream service sending its own bytes, the
    links service and the sign-in service.

    Returns the process ids of the first two, then the four ports.
    """
    stream_port, links_port, other_port = free_port(), free_port(), free_port()
    app_port = free_port()
    stream = ["--service", "stream", "--workers", str(args.workers), "--threads", str(args.threads)]
    accel = env | {"VIDSTREAM_ACCEL_REDIRECT": ACCEL_PREFIX}
    stream_pid = _serve(stack, accel, workdir / "stream.log", stream, stream_port)
    app_pid = _serve(stack, env, workdir / "app.log", [*stream, "--no-worker"], app_port)
    signer = env | {
        "VIDSTREAM_MEDIA_LINKS": SIGNED_PREFIX,
        "VIDSTREAM_MEDIA_LINK_SECRET": secret,
        # Links that outlive the whole run (a redirect's link lives 5 minutes by default).
        "VIDSTREAM_PRESIGNED_URL_SECONDS": str(LINK_SECONDS),
    }
    links = ["--service", "stream", "--workers", "1"]
    _serve(stack, signer, workdir / "links.log", links, links_port)
    # Sign-in (and the upload upstream, which the benchmark never uses) live here.
    _serve(stack, env, workdir / "auth.log", ["--workers", "1", "--no-worker"], other_port)
    pids = {"stream": stream_pid, "app": app_pid}
    return pids, stream_port, app_port, links_port, other_port


def start_servers(
    stack: ExitStack, workdir: Path, source: Path, nginx: str, args: argparse.Namespace
) -> Running:
    """Prepare the library and start every server; each is stopped when ``stack`` closes."""
    gateway_port = free_port()
    # As compose runs them: the services know the gateway's URL, so their pages and
    # headers do not depend on the host a request names (the media fast path needs that).
    env = service_env(workdir / "data", args) | {
        "VIDSTREAM_PUBLIC_URL": f"http://{HOST}:{gateway_port}"
    }
    library = prepare_library(env, workdir, source, args)
    secret = secrets.token_urlsafe(32)
    pids, stream_port, app_port, links_port, other_port = _start_services(
        stack, env, workdir, secret, args
    )
    upstreams = (f"{HOST}:{stream_port}", f"{HOST}:{other_port}")
    gateway = Gateway(gateway_port, free_port(), *upstreams, secret)
    nginx_pid = _start_nginx(stack, nginx, workdir, gateway, args)
    base = f"http://{HOST}:{gateway.port}"
    cookie = sign_in(base, USERNAME, PASSWORD)
    service = f"http://{HOST}:{links_port}"
    links = link_to_original(service, cookie, library.original_id)
    links |= links_to_segments(service, cookie, library.hls_id, library.segment_keys)
    return Running(
        gateway=base,
        direct=f"http://{HOST}:{gateway.direct_port}",
        app=f"http://{HOST}:{app_port}",
        cookie=cookie,
        media_root=workdir / "data" / "media",
        library=library,
        links=links,
        pids=pids | {"nginx": nginx_pid},
    )
