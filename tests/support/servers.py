"""Real server processes for end-to-end tests: vidstream services and the nginx gateway.

Every process runs in its own session, so stopping it signals its whole process
group (gunicorn's or nginx's workers included) and nothing outlives the test. Output
goes to a log file per process; a start-up failure raises with the log's tail, and
:func:`show_logs_on_failure` prints every log when the test using them failed.
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import requests
import sqlalchemy as sa

from vidstream.models import User, Video

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parents[2]
GATEWAY_TEMPLATE = ROOT / "docker" / "nginx.conf"
_PLACEHOLDER = re.compile(r"\$\{(GATEWAY_[A-Z0-9_]+)\}")


class ServerError(RuntimeError):
    """A server process did not start, or stopped answering; the message says why."""


@dataclass
class ServerProcess:
    """A started server: the leader of its process group, its base URL and its log."""

    name: str
    url: str
    popen: subprocess.Popen[bytes]
    log: Path
    interrupted: bool = False

    def log_tail(self, lines: int = 60) -> str:
        """The last lines the process wrote."""
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, grace: float = 10.0) -> None:
        """Stop the server: SIGINT to its leader, then SIGKILL to its group if it lingers.

        SIGINT is a quick shutdown for both gunicorn and nginx, whose masters then stop
        their own workers. The leader is reaped only after the group was signalled, so
        the group id cannot have been reused by an unrelated process.
        """
        if self.popen.poll() is not None:
            return
        self.interrupt()
        try:
            self.popen.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()

    def interrupt(self) -> None:
        """Ask the leader, once, to shut down quickly; do not wait for it.

        Only the leader, and only once: a gunicorn worker that gets SIGINT itself, or
        a master that gets it twice, may sit out the whole graceful timeout.
        """
        if not self.interrupted and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)
            self.interrupted = True


def free_ports(count: int) -> list[int]:
    """``count`` distinct loopback ports that nothing listens on right now."""
    with ExitStack() as stack:
        ports = []
        for _ in range(count):
            sock = stack.enter_context(socket.socket())
            sock.bind((HOST, 0))
            ports.append(int(sock.getsockname()[1]))
        return ports


def start_process(
    name: str, argv: list[str], url: str, log_dir: Path, env: Mapping[str, str] | None = None
) -> ServerProcess:
    """Start ``argv`` in a new session with its output in ``log_dir/<name>.log``."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"{name}.log"
    with open(log, "wb") as out:
        popen = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(env) if env is not None else None,
            start_new_session=True,
        )
    return ServerProcess(name, url, popen, log)


def wait_for_url(server: ServerProcess, path: str = "/", timeout: float = 60.0) -> None:
    """Return once ``GET server.url + path`` answers below 500; redirects are not followed."""
    host, port = server.url.removeprefix("http://").split("/", 1)[0].rsplit(":", 1)
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    while time.monotonic() < deadline:
        if (status := server.popen.poll()) is not None:
            raise ServerError(f"{server.name} exited with status {status}:\n{server.log_tail()}")
        connection = http.client.HTTPConnection(host, int(port), timeout=2)
        try:
            connection.request("GET", path)
            answer = connection.getresponse().status
            if answer < 500:
                return
            last = f"status {answer}"
        except OSError as error:
            last = str(error)
        finally:
            connection.close()
        time.sleep(0.1)
    raise ServerError(
        f"{server.name} did not answer {server.url}{path} within {timeout:.0f} s ({last}):\n"
        f"{server.log_tail()}"
    )


def vidstream_executable() -> str:
    """The ``vidstream`` console script of the Python running the tests."""
    script = Path(sys.executable).with_name("vidstream")
    if not script.exists():
        raise ServerError(f"{script} is missing; install the package (pip install -e .)")
    return str(script)


def start_vidstream(
    service: str | None, port: int, env: Mapping[str, str], log_dir: Path
) -> ServerProcess:
    """Start ``vidstream serve [--service S] --host 127.0.0.1 --port P`` (not yet waited for).

    The environment is this one without any ``VIDSTREAM_*`` variable, plus ``env``.
    """
    name = service or "vidstream"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("VIDSTREAM_")}
    argv = [vidstream_executable(), "serve", "--host", HOST, "--port", str(port)]
    if service:
        argv += ["--service", service]
    full_env = {**clean, **env}
    return start_process(f"{name}-{port}", argv, f"http://{HOST}:{port}", log_dir, full_env)


def nginx_binary() -> str | None:
    """Path of the nginx binary, or None when it is not installed."""
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def require_nginx() -> str:
    """The nginx binary; skip when it is missing, except under ``CI=true`` where that fails."""
    binary = nginx_binary()
    if binary is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true and nginx is not installed: the gateway checks cannot run")
        pytest.skip("nginx is not installed, so the gateway cannot be checked")
    return binary


def gateway_placeholders(template: Path = GATEWAY_TEMPLATE) -> set[str]:
    """The ``${GATEWAY_*}`` names the gateway template expects."""
    return set(_PLACEHOLDER.findall(template.read_text()))


def render_gateway_config(values: Mapping[str, str], template: Path = GATEWAY_TEMPLATE) -> str:
    """The gateway template with every ``${GATEWAY_*}`` placeholder filled in.

    Does what the nginx image does with the same file in compose: only these names
    are replaced; nginx's own ``$variables`` are left alone.
    """
    missing = gateway_placeholders(template) - set(values)
    if missing:
        raise KeyError(f"no value for {', '.join(sorted(missing))}")
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], template.read_text())


def write_nginx_config(server_conf: str, workdir: Path) -> Path:
    """A complete nginx.conf in ``workdir`` around ``server_conf`` (http-context text).

    Every path nginx writes (pid, logs, temp files) is inside ``workdir``. The access
    log records which upstream answered each request: ``<uri> <upstream> <status>``.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "gateway.conf").write_text(server_conf)
    temp_paths = "\n".join(
        f"    {kind}_temp_path {workdir / ('temp-' + kind)};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # A root master hands requests to workers running as "nobody", who could not
    # reach a private temp directory; tests run the workers as the current user.
    user = "user root;\n" if os.geteuid() == 0 else ""
    config = workdir / "nginx.conf"
    config.write_text(
        f"{user}worker_processes 1;\n"
        f"pid {workdir / 'nginx.pid'};\n"
        f"error_log {workdir / 'error.log'} info;\n"
        "events { worker_connections 256; }\n"
        "http {\n"
        "    log_format upstreams '$request_uri $upstream_addr $status';\n"
        f"    access_log {workdir / 'access.log'} upstreams;\n"
        f"{temp_paths}\n"
        f"    include {workdir / 'gateway.conf'};\n"
        "}\n"
    )
    return config


def check_nginx_config(config: Path) -> subprocess.CompletedProcess[str]:
    """``nginx -t`` on ``config``; the result holds nginx's verdict in ``stderr``."""
    binary = nginx_binary() or "nginx"
    argv = [binary, "-t", "-p", str(config.parent), "-c", str(config)]
    argv += ["-e", str(config.parent / "error.log")]
    return subprocess.run(argv, capture_output=True, text=True, check=False)


def start_nginx(server_conf: str, workdir: Path, port: int) -> ServerProcess:
    """Run nginx in the foreground on ``server_conf``; return once it answers on ``port``."""
    config = write_nginx_config(server_conf, workdir)
    argv = [nginx_binary() or "nginx", "-p", str(workdir), "-c", str(config)]
    argv += ["-e", str(workdir / "error.log"), "-g", "daemon off;"]
    server = start_process("nginx", argv, f"http://{HOST}:{port}", workdir)
    try:
        wait_for_url(server, "/gateway-health", timeout=15)
    except ServerError:
        server.stop()
        raise
    return server


def stop_all(servers: Iterable[ServerProcess]) -> None:
    """Stop every server (all asked at once), even if stopping one of them fails."""
    servers = list(servers)
    with ExitStack() as stack:
        for server in servers:
            stack.callback(server.stop)
        for server in servers:
            server.interrupt()


def show_logs_on_failure(
    request: pytest.FixtureRequest, servers: Iterable[ServerProcess], failed_before: int
) -> None:
    """Print every server's log if a test failed since ``failed_before`` was read.

    Called from a fixture's teardown, after the test's own report, so the count of
    failed tests already includes it. Output capture is lifted for the print, as a
    passing teardown's captured output would never be shown.
    """
    if request.session.testsfailed <= failed_before:
        return
    capture = request.config.pluginmanager.getplugin("capturemanager")
    text = "".join(f"\n----- log of {s.name} ({s.log}) -----\n{s.log_tail(200)}\n" for s in servers)
    if capture is None:
        print(text, file=sys.stderr)
        return
    with capture.global_and_fixture_disabled():
        print(text, file=sys.stderr)


def forget_accounts(database_url: str, redis_url: str, prefix: str, usernames: list[str]) -> None:
    """Delete what processes of a test created for these accounts (rows, Redis keys).

    The test database is shared by the whole run; later tests start from empty tables.
    """
    engine = sa.create_engine(database_url)
    owners = sa.select(User.id).where(User.username.in_(usernames))
    with engine.begin() as conn:
        conn.execute(sa.delete(Video).where(Video.owner_id.in_(owners)))
        conn.execute(sa.delete(User).where(User.username.in_(usernames)))
    engine.dispose()
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)
    client.close()


@contextmanager
def serving_alice(root: Path) -> Iterator[tuple[ServerProcess, str, requests.Session]]:
    """``vidstream serve`` (one gunicorn worker) on SQLite under ``root``, with the account
    alice made by the command line; yields the server, its data dir and alice's signed-in
    session."""
    env = {
        "VIDSTREAM_DATA_DIR": str(root / "data"),
        "VIDSTREAM_SECRET_KEY": secrets.token_urlsafe(40),
        "VIDSTREAM_WORKERS": "1",
        "VIDSTREAM_NEW_PASSWORD": "correct horse",
    }
    clean = {k: v for k, v in os.environ.items() if not k.startswith("VIDSTREAM_")}
    cli = [vidstream_executable()]
    for command in (["db", "upgrade"], ["users", "create", "alice"]):
        subprocess.run([*cli, *command], env={**clean, **env}, check=True, capture_output=True)
    (port,) = free_ports(1)
    proc = start_vidstream(None, port, env, root / "logs")
    try:
        wait_for_url(proc, "/signin")
        session = requests.Session()
        token = session.get(f"{proc.url}/api/session").json()["csrf_token"]
        data = {"username": "alice", "password": "correct horse", "csrf_token": token}
        signed_in = session.post(f"{proc.url}/signin", data=data, allow_redirects=False)
        assert signed_in.status_code == 302
        yield proc, env["VIDSTREAM_DATA_DIR"], session
    finally:
        proc.stop()
