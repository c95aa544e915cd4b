"""The three servers of the range benchmark, each serving the same file.

nginx sends the file itself (the ceiling). ``vidstream serve`` runs on a fresh data
directory migrated and given an account with the project's own commands; the file
is registered as that account's video the way the stream tests register huge files
(a row plus a hard link into storage, skipping the upload probe), and the benchmark
signs in over HTTP like a browser to get its session cookie. The naive Flask app
runs under gunicorn with the same settings as ``vidstream serve``.
"""

from __future__ import annotations

import secrets
import sys
from contextlib import ExitStack
from pathlib import Path

from bench.common.accounts import open_share_link, register_file, sign_in
from bench.common.procs import (
    HOST,
    Target,
    embedded_env,
    free_port,
    launch,
    vidstream_cli,
    vidstream_command,
)
from bench.common.report import ROOT
from vidstream.app import create_app
from vidstream.config import load_settings

USERNAME = "bench"
# A throwaway account in a throwaway data directory.
PASSWORD = secrets.token_urlsafe(16)

NGINX_CONF = """\
worker_processes {workers};
error_log {prefix}/error.log warn;
pid {prefix}/nginx.pid;
events {{
    worker_connections 1024;
}}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 5s;
    keepalive_requests 1000000;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    types {{
        video/mp4 mp4;
    }}
    server {{
        listen {host}:{port};
        root {root};
    }}
}}
"""

GUNICORN_KEEPALIVE = 5
GUNICORN_TIMEOUT = 120


def start_nginx(stack: ExitStack, nginx: str, workdir: Path, source: Path, workers: int) -> Target:
    """nginx in the foreground, serving a hard link to ``source`` with sendfile."""
    prefix = workdir / "nginx"
    root = prefix / "www"
    root.mkdir(parents=True)
    # nginx's workers drop root privileges, so the path to the file must be readable.
    for path in (workdir, prefix, root):
        path.chmod(0o755)
    (root / "original.mp4").hardlink_to(source)
    source.chmod(0o644)
    port = free_port()
    conf = prefix / "nginx.conf"
    conf.write_text(
        NGINX_CONF.format(workers=workers, prefix=prefix, host=HOST, port=port, root=root)
    )
    argv = [nginx, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
    argv += ["-g", "daemon off;"]
    launch(stack, "nginx", argv, port, prefix / "stdout.log")
    return Target(key="nginx", label="nginx (sendfile)", url=f"http://{HOST}:{port}/original.mp4")


def start_naive(
    stack: ExitStack, workdir: Path, source: Path, workers: int, threads: int
) -> Target:
    """The naive generator app under gunicorn, configured like ``vidstream serve``."""
    port = free_port()
    argv = [sys.executable, "-m", "gunicorn", "--bind", f"{HOST}:{port}"]
    argv += ["--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads)]
    argv += ["--keep-alive", str(GUNICORN_KEEPALIVE), "--timeout", str(GUNICORN_TIMEOUT)]
    argv += ["--chdir", str(ROOT)]
    argv += [f"bench.range.naive_app:create_app({str(source)!r})"]
    launch(stack, "naive Flask app", argv, port, workdir / "naive.log")
    return Target(
        key="naive", label="naive Flask generator", url=f"http://{HOST}:{port}/original.mp4"
    )


def start_embedded(
    stack: ExitStack,
    workdir: Path,
    source: Path,
    workers: int,
    threads: int,
    *,
    full_path: bool = True,
    extra_env: dict[str, str] | None = None,
) -> list[Target]:
    """Prepare a data dir and serve it with every service; sign in to it.

    Two targets on the one server: the owner's media URL, with the session cookie, and
    the same file through a share link's media URL, with no cookie at all. A third is
    a second server on the same data directory with the media fast path turned off
    (``VIDSTREAM_MEDIA_FAST_PATH=off``): the owner's URL and cookie on the full Flask
    path, the reference the fast path is measured against in the same run (left out
    without ``full_path``).
    """
    env = embedded_env(workdir / "data") | (extra_env or {})
    vidstream_cli(env, "db", "upgrade")
    vidstream_cli({**env, "VIDSTREAM_NEW_PASSWORD": PASSWORD}, "users", "create", USERNAME)
    public_id = register_file(create_app(load_settings(env)), USERNAME, source)
    port = free_port()
    argv = [vidstream_command(), "serve", "--host", HOST, "--port", str(port)]
    argv += ["--workers", str(workers), "--threads", str(threads)]
    launch(stack, "vidstream serve", argv, port, workdir / "vidstream.log", env=env)
    base_url = f"http://{HOST}:{port}"
    cookie = sign_in(base_url, USERNAME, PASSWORD)
    owner = Target(
        key="vidstream",
        label="vidstream serve (embedded)",
        url=f"{base_url}/media/{public_id}/original.mp4",
        cookie=cookie,
    )
    shared = Target(
        key="share",
        label="vidstream, share link",
        url=open_share_link(base_url, cookie, public_id),
    )
    if not full_path:
        return [owner, shared]
    full_port = free_port()
    argv = [vidstream_command(), "serve", "--host", HOST, "--port", str(full_port)]
    # No job worker of its own: the first server's already polls the queue.
    argv += ["--workers", str(workers), "--threads", str(threads), "--no-worker"]
    full_env = {**env, "VIDSTREAM_MEDIA_FAST_PATH": "off"}
    launch(
        stack, "vidstream serve (full path)", argv, full_port, workdir / "full.log", env=full_env
    )
    full = Target(
        key="fullpath",
        label="vidstream, fast path off",
        url=f"http://{HOST}:{full_port}/media/{public_id}/original.mp4",
        cookie=cookie,
    )
    return [owner, shared, full]
