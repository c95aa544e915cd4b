"""The three services as separate processes, run the way compose.yaml runs them.

Each service is ``vidstream serve --service auth|upload|stream`` under gunicorn,
sharing MariaDB, Redis and a data directory. One user's whole journey (sign up, upload,
list, fetch bytes with curl, ranges included) crosses all three, first on split ports
with per-service URLs, then through the nginx gateway on one origin. Needs
``VIDSTREAM_TEST_DATABASE_URL`` and ``VIDSTREAM_TEST_REDIS_URL``.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.support.servers import (
    HOST,
    ROOT,
    ServerProcess,
    forget_accounts,
    free_ports,
    render_gateway_config,
    require_nginx,
    show_logs_on_failure,
    start_nginx,
    start_vidstream,
    stop_all,
    wait_for_url,
)

pytestmark = pytest.mark.e2e

SERVICES = ("auth", "upload", "stream")
MAX_UPLOAD = 4 * 1024 * 1024
PASSWORD = "correct horse battery"


@dataclass
class Deployment:
    """Where a client reaches each service, and what it needs to clean up after."""

    entry: dict[str, str]
    servers: list[ServerProcess]
    usernames: list[str]


@pytest.fixture(scope="module")
def backends(external_database_url: str | None, redis_url: str | None) -> tuple[str, str]:
    """The MariaDB database and Redis the processes share; skip when not configured."""
    if not external_database_url or not redis_url:
        pytest.skip("set VIDSTREAM_TEST_DATABASE_URL and VIDSTREAM_TEST_REDIS_URL to run")
    return external_database_url, redis_url


@pytest.fixture
def deploy(
    request: pytest.FixtureRequest, tmp_path: Path, backends: tuple[str, str]
) -> Iterator[Callable[..., Deployment]]:
    """Start the three services (and optionally the gateway); stop and clean up after."""
    database_url, redis_url = backends
    prefix = f"vse2e:{secrets.token_hex(4)}:"
    failed_before = request.session.testsfailed
    started: list[Deployment] = []

    def start(*, gateway: bool) -> Deployment:
        ports = dict(zip((*SERVICES, "gateway"), free_ports(4), strict=True))
        urls = {name: f"http://{HOST}:{port}" for name, port in ports.items()}
        env = {
            "VIDSTREAM_DATABASE_URL": database_url,
            "VIDSTREAM_REDIS_URL": redis_url,
            "VIDSTREAM_REDIS_PREFIX": prefix,
            "VIDSTREAM_SECRET_KEY": secrets.token_urlsafe(40),
            "VIDSTREAM_SIGNUP": "open",  # the test signs several people up
            "VIDSTREAM_DATA_DIR": str(tmp_path / "data"),
            "VIDSTREAM_MAX_UPLOAD_BYTES": str(MAX_UPLOAD),
            "VIDSTREAM_WORKERS": "1",
            "VIDSTREAM_THREADS": "4",
        }
        link_secret = secrets.token_hex(32)
        if gateway:
            env["VIDSTREAM_PUBLIC_URL"] = urls["gateway"]
            env["VIDSTREAM_MEDIA_LINKS"] = "/_signed/"
            env["VIDSTREAM_MEDIA_LINK_SECRET"] = link_secret
        else:
            env |= {f"VIDSTREAM_{name.upper()}_URL": urls[name] for name in SERVICES}
        deployment = Deployment({}, [], [])
        started.append(deployment)
        logs = tmp_path / "logs"
        for service in SERVICES:
            deployment.servers.append(start_vidstream(service, ports[service], env, logs))
        for server in deployment.servers:
            wait_for_url(server)
        deployment.entry = {name: urls[name] for name in SERVICES}
        if gateway:
            values = {
                "GATEWAY_LISTEN": f"{HOST}:{ports['gateway']}",
                "GATEWAY_MAX_BODY_SIZE": str(MAX_UPLOAD + 1024 * 1024),
                "GATEWAY_MEDIA_ROOT": str(tmp_path / "data" / "media"),
                "GATEWAY_MEDIA_LINK_SECRET": link_secret,
                **{f"GATEWAY_{s.upper()}_UPSTREAM": f"{HOST}:{ports[s]}" for s in SERVICES},
            }
            config = render_gateway_config(values)
            deployment.servers.append(start_nginx(config, tmp_path / "nginx", ports["gateway"]))
            deployment.entry = dict.fromkeys(SERVICES, urls["gateway"])
        return deployment

    yield start
    servers = [s for d in started for s in d.servers]
    show_logs_on_failure(request, servers, failed_before)
    stop_all(servers)
    forget_accounts(database_url, redis_url, prefix, [u for d in started for u in d.usernames])


def _sign_up(deployment: Deployment) -> tuple[requests.Session, str]:
    """A new browser session signed up on the auth service; returns it and its CSRF token."""
    auth, stream = deployment.entry["auth"], deployment.entry["stream"]
    name = f"e2e{secrets.token_hex(4)}"
    deployment.usernames.append(name)
    browser = requests.Session()
    token = browser.get(f"{auth}/api/session").json()["csrf_token"]
    form = {"username": name, "password": PASSWORD, "confirm": PASSWORD, "csrf_token": token}
    answer = browser.post(f"{auth}/signup", data=form, allow_redirects=False)
    assert answer.status_code == 302, answer.text
    assert answer.headers["Location"] == f"{stream}/stream"
    # Signing in starts a new session, so the token issued before it is void.
    session = browser.get(f"{auth}/api/session").json()
    assert session["user"] == {"username": name}
    return browser, session["csrf_token"]


def _curl(url: str, browser: requests.Session, out: Path, *extra: str) -> tuple[int, str, bytes]:
    """Fetch ``url`` with curl and the browser's session cookie: status, headers, body."""
    body, headers = out / "curl-body", out / "curl-headers"
    cookie = f"vidstream_session={browser.cookies['vidstream_session']}"
    result = subprocess.run(
        [
            # --location: behind the gateway, media requests are redirected to signed links.
            *("curl", "--silent", "--show-error", "--location", "--cookie", cookie),
            *("--output", str(body)),
            *("--dump-header", str(headers), "--write-out", "%{http_code}", *extra, url),
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return int(result.stdout), headers.read_text().lower(), body.read_bytes()


def _upload(browser: requests.Session, token: str, url: str, path: Path) -> requests.Response:
    with path.open("rb") as fh:
        return browser.post(
            f"{url}/upload",
            files={"filename": (path.name, fh, "video/mp4")},
            data={"title": "Holiday", "csrf_token": token},
            headers={"Accept": "application/json"},
            allow_redirects=False,
            timeout=60,
        )


def _journey(deployment: Deployment, sample: Path, workdir: Path) -> None:
    """Sign up, upload, list and fetch; a stranger and an anonymous visitor get nothing."""
    auth, upload, stream = (deployment.entry[s] for s in SERVICES)
    alice, token = _sign_up(deployment)
    answer = _upload(alice, token, upload, sample)
    assert answer.status_code == 201, answer.text
    video = answer.json()["video"]
    public_id = video["id"]
    assert (video["status"], video["size_bytes"]) == ("ready_original", sample.stat().st_size)
    media = f"{stream}/media/{public_id}/original.mp4"
    assert video["urls"] == {
        "page": f"{stream}/stream/{public_id}",
        "original": media,
        "captions": [],
    }
    listed = alice.get(f"{stream}/api/videos").json()["videos"]
    assert [v["id"] for v in listed] == [public_id]
    assert "Holiday" in alice.get(f"{stream}/stream/{public_id}").text

    data = sample.read_bytes()
    status, headers, body = _curl(media, alice, workdir)
    assert (status, body) == (200, data)
    assert "accept-ranges: bytes" in headers
    status, headers, body = _curl(media, alice, workdir, "--range", "1000-4999")
    assert (status, body) == (206, data[1000:5000])
    assert f"content-range: bytes 1000-4999/{len(data)}" in headers

    too_big = workdir / "too-big.mp4"
    too_big.write_bytes(bytes(MAX_UPLOAD + 1))
    answer = _upload(alice, token, upload, too_big)
    assert answer.status_code == 413, answer.text
    assert "largest upload allowed is 4.0 MiB" in answer.json()["error"]["message"]

    bob, _token = _sign_up(deployment)
    for url in (f"{stream}/stream/{public_id}", media, f"{stream}/api/videos/{public_id}"):
        assert bob.get(url, allow_redirects=False).status_code == 404, url
    assert _curl(media, bob, workdir)[0] == 404
    assert bob.get(f"{stream}/api/videos").json()["videos"] == []

    assert requests.get(media, allow_redirects=False, timeout=10).status_code == 401
    for page, service in ((f"{upload}/upload", upload), (f"{stream}/stream", stream)):
        answer = requests.get(page, allow_redirects=False, timeout=10)
        assert answer.status_code == 302
        target = urlsplit(answer.headers["Location"])
        assert f"{target.scheme}://{target.netloc}{target.path}" == f"{auth}/signin"
        assert parse_qs(target.query)["next"] == [page], service


def _check_container_health_check(deployment: Deployment) -> None:
    """docker/healthcheck.py, as compose runs it: 0 for each service, 1 for a dead port."""
    (unused,) = free_ports(1)
    ports = [int(url.rsplit(":", 1)[1]) for url in deployment.entry.values()]
    for port, healthy in [*((p, True) for p in ports), (unused, False)]:
        result = subprocess.run(
            [sys.executable, str(ROOT / "docker" / "healthcheck.py"), str(port)],
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert (result.returncode == 0) is healthy, (port, result.stderr)


def test_three_processes_on_split_ports(
    deploy: Callable[..., Deployment], sample_mp4: Path, tmp_path: Path
) -> None:
    deployment = deploy(gateway=False)
    _journey(deployment, sample_mp4, tmp_path)
    _check_container_health_check(deployment)


def test_three_processes_behind_the_gateway(
    deploy: Callable[..., Deployment], sample_mp4: Path, tmp_path: Path
) -> None:
    require_nginx()
    _journey(deploy(gateway=True), sample_mp4, tmp_path)
