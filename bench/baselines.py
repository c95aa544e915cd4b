"""Targets (b) and (c): nginx serving the file itself, and the naive Flask app."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path

from bench.procs import HOST, Target, free_port, launch

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
    argv += ["--chdir", str(Path(__file__).resolve().parent.parent)]
    argv += [f"bench.naive_app:create_app({str(source)!r})"]
    launch(stack, "naive Flask app", argv, port, workdir / "naive.log")
    return Target(
        key="naive", label="naive Flask generator", url=f"http://{HOST}:{port}/original.mp4"
    )
