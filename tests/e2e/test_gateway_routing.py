"""The gateway config, run by a real nginx in front of three echoing stand-in services.

Checks what nginx -t cannot: which service each path reaches, the headers the services
receive, that upload bodies stream through instead of being spooled first, and that
the body limit is enforced before anything reaches the upload service. No database or
Redis needed; skipped with a reason without nginx (failed under ``CI=true``).
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from tests.support.servers import (
    HOST,
    ServerProcess,
    free_ports,
    render_gateway_config,
    require_nginx,
    start_nginx,
)

MIB = 1024 * 1024


class _Upstream(ThreadingHTTPServer):
    """Stands in for one service: answers every request with what it received."""

    daemon_threads = True

    def __init__(self, service: str) -> None:
        super().__init__((HOST, 0), _EchoHandler)
        self.service = service
        self.requests = 0
        self.headers_arrived = threading.Event()


class _EchoHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Upstream

    def do_GET(self) -> None:
        self.server.requests += 1
        self.server.headers_arrived.set()
        received = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps(
            {
                "service": self.server.service,
                "path": self.path,
                "headers": dict(self.headers.items()),
                "received": len(received),
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test reports what matters."""


@pytest.fixture(scope="module")
def gateway(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ServerProcess, dict[str, _Upstream]]]:
    """nginx on the real gateway config, in front of three echoing upstreams."""
    require_nginx()
    upstreams = {name: _Upstream(name) for name in ("auth", "upload", "stream")}
    for upstream in upstreams.values():
        threading.Thread(target=upstream.serve_forever, daemon=True).start()
    (port,) = free_ports(1)
    values = {
        f"GATEWAY_{name.upper()}_UPSTREAM": f"{HOST}:{u.server_address[1]}"
        for name, u in upstreams.items()
    }
    values |= {"GATEWAY_LISTEN": f"{HOST}:{port}", "GATEWAY_MAX_BODY_SIZE": "1m"}
    workdir = tmp_path_factory.mktemp("gw")
    values["GATEWAY_MEDIA_ROOT"] = str(workdir / "media")
    values["GATEWAY_MEDIA_LINK_SECRET"] = "0" * 64
    server = start_nginx(render_gateway_config(values), workdir, port)
    yield server, upstreams
    server.stop()
    for upstream in upstreams.values():
        upstream.shutdown()
        upstream.server_close()


ROUTES = {
    "/": "auth",
    "/signin?next=/stream": "auth",
    "/api/session": "auth",
    "/static/vidstream.css": "auth",
    "/tokens": "auth",
    "/upload": "upload",
    "/upload/abc": "upload",
    "/api/uploads": "upload",
    "/api/uploads/abc?offset=1": "upload",
    "/stream": "stream",
    "/stream/abc": "stream",
    "/media/abc/original.mp4": "stream",
    "/media/abc/hls/master.m3u8": "stream",
    "/api/videos": "stream",
    "/api/videos/abc": "stream",
    "/s/tok": "stream",
    "/s/tok/embed": "stream",
    "/s/tok/grant?grant=g": "stream",
    "/s/tok/m/grant/original.mp4": "stream",
    "/s/tok/m/grant/hls/360p/seg_00001.m4s": "stream",
    "/u/alice": "stream",
    "/u/alice?page=2": "stream",
    "/shared": "stream",
    "/embed/abc": "stream",
    "/oembed?url=http://x/s/tok": "stream",
    "/static/share.js": "auth",
    "/sx": "auth",
    "/users": "auth",
    "/sharedx": "auth",
    "/embedded": "auth",
    "/collections": "stream",
    "/collections/abc": "stream",
    "/api/collections": "stream",
    "/api/collections/abc/videos": "stream",
    "/collectionsx": "auth",
    "/uploads": "auth",
    "/streaming": "auth",
    "/api/videosx": "auth",
}


@pytest.mark.parametrize(("path", "service"), ROUTES.items())
def test_gateway_routes_each_path_to_its_service(
    gateway: tuple[ServerProcess, dict[str, _Upstream]], path: str, service: str
) -> None:
    server, _upstreams = gateway
    headers = {"Range": "bytes=5-9", "If-Range": '"v1"'}
    echoed = requests.get(server.url + path, headers=headers, timeout=10).json()
    assert (echoed["service"], echoed["path"]) == (service, path)
    sent = {k.lower(): v for k, v in echoed["headers"].items()}
    assert sent["host"] == server.url.removeprefix("http://")
    assert (sent["x-forwarded-for"], sent["x-forwarded-proto"]) == ("127.0.0.1", "http")
    assert (sent["range"], sent["if-range"]) == ("bytes=5-9", '"v1"')


def _post_head(path: str, length: int) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: gw\r\nContent-Type: application/octet-stream\r\n"
        f"Content-Length: {length}\r\nConnection: close\r\n\r\n"
    ).encode()


def test_gateway_passes_upload_bodies_on_as_they_arrive(
    gateway: tuple[ServerProcess, dict[str, _Upstream]],
) -> None:
    server, upstreams = gateway
    upload = upstreams["upload"]
    upload.headers_arrived.clear()
    half = b"x" * (256 * 1024)
    with socket.create_connection((HOST, int(server.url.rsplit(":", 1)[1])), timeout=10) as sock:
        sock.sendall(_post_head("/upload", 2 * len(half)) + half)
        assert upload.headers_arrived.wait(5), "the gateway waited for the whole body"
        sock.sendall(half)
        answer = http.client.HTTPResponse(sock)
        answer.begin()
        assert answer.status == 200
        assert json.loads(answer.read())["received"] == 2 * len(half)


def test_gateway_refuses_bodies_over_its_limit(
    gateway: tuple[ServerProcess, dict[str, _Upstream]],
) -> None:
    server, upstreams = gateway
    before = upstreams["upload"].requests
    with socket.create_connection((HOST, int(server.url.rsplit(":", 1)[1])), timeout=10) as sock:
        sock.sendall(_post_head("/upload", MIB + 1))
        answer = http.client.HTTPResponse(sock)
        answer.begin()
        assert answer.status == 413
    assert upstreams["upload"].requests == before
