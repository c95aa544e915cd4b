"""Share links behind the real nginx gateway, in both of its ways of sending media.

``vidstream serve`` runs behind nginx on docker/nginx.conf with signed links
(``VIDSTREAM_MEDIA_LINKS=/_signed/``) and with ``X-Accel-Redirect``, and a processed
video shared by link. A viewer with no account and no cookie but the link's plays the
page, the master and rendition playlists, segments and the original (Range
included), and nothing the gateway sends leaks the link's URL in a Referer.

Revocation: the service answers 404 at once on every byte path. With signed links a
link nginx checks on its own cannot be called back, so share viewers get them only
for ``VIDSTREAM_PRESIGNED_URL_SECONDS`` (set to its 10 s minimum here) and never in
a playlist: a link handed out before the revocation stops working when it expires.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask

from tests.support.accounts import AuthActions
from tests.support.pipeline import decode_over_http, parse_master, parse_segments, process_now
from tests.support.servers import (
    HOST,
    free_ports,
    render_gateway_config,
    require_nginx,
    start_nginx,
    start_vidstream,
    stop_all,
    vidstream_executable,
    wait_for_url,
)
from tests.support.sharing import master_url, media_base
from tests.support.waiting import wait_until
from vidstream import create_app
from vidstream.config import load_settings
from vidstream.extensions import db

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse"
LINK_SECONDS = 10
SECONDS = 2.0  # sample_mp4's length


@dataclass
class Gateway:
    """The gateway's URL, the owner's session, the shared video and where its files are."""

    url: str
    owner: requests.Session
    public_id: str
    mode: str
    media_root: Path

    def api(self, method: str, path: str, body: Any = None) -> requests.Response:
        """A JSON API call as the owner, through the gateway."""
        csrf = self.owner.get(f"{self.url}/api/session").json()["csrf_token"]
        headers = {"X-CSRFToken": csrf}
        return self.owner.request(method, self.url + path, json=body, headers=headers)

    def make_link(self, **options: Any) -> tuple[str, str]:
        """A new share link of the video: its path (``/s/<token>``) and its share id."""
        answer = self.api("POST", f"/api/videos/{self.public_id}/shares", options)
        assert answer.status_code == 201, answer.text
        share = answer.json()["share"]
        return "/s/" + share["url"].rsplit("/s/", 1)[1], share["id"]

    def stored(self, name: str) -> bytes:
        """A stored file of the video (``original.mp4``, ``hls/360p/seg_00001.m4s``...)."""
        return (self.media_root / "videos" / self.public_id / name).read_bytes()


def _shared_video(env: dict[str, str], source: Path) -> str:
    """Alice's unlisted video, uploaded and processed in this process before serving."""
    app: Flask = create_app(load_settings(env=env))
    auth = AuthActions(app.test_client())
    assert auth.signin("alice", PASSWORD).status_code == 302
    vid: str = auth.upload(source, json=True).get_json()["video"]["id"]
    process_now(app, vid)
    body = {"visibility": "unlisted"}
    patched = auth.client.patch(
        f"/api/videos/{vid}", json=body, headers={"X-CSRFToken": auth.csrf()}
    )
    assert patched.status_code == 200
    with app.app_context():
        db.engine.dispose()
    return vid


def _signed_in(url: str, username: str) -> requests.Session:
    session = requests.Session()
    token = session.get(f"{url}/api/session").json()["csrf_token"]
    data = {"username": username, "password": PASSWORD, "csrf_token": token}
    assert session.post(f"{url}/signin", data=data, allow_redirects=False).status_code == 302
    return session


@pytest.fixture(scope="module", params=["links", "accel"])
def gateway(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, sample_mp4: Path
) -> Iterator[Gateway]:
    """``vidstream serve`` behind nginx with alice's video processed and unlisted."""
    require_nginx()
    root = tmp_path_factory.mktemp("gateway-shares")
    data_dir = root / "data"
    link_secret = secrets.token_hex(32)
    mode = {
        "links": {"VIDSTREAM_MEDIA_LINKS": "/_signed/", "VIDSTREAM_MEDIA_LINK_SECRET": link_secret},
        "accel": {"VIDSTREAM_ACCEL_REDIRECT": "/_protected/"},
    }[request.param]
    env = {
        "VIDSTREAM_DATA_DIR": str(data_dir),
        "VIDSTREAM_SECRET_KEY": secrets.token_urlsafe(40),
        "VIDSTREAM_WORKERS": "1",
        "VIDSTREAM_NEW_PASSWORD": PASSWORD,
        "VIDSTREAM_TRUSTED_PROXY_NETWORKS": "127.0.0.1",
        "VIDSTREAM_X264_PRESET": "ultrafast",
        "VIDSTREAM_PRESIGNED_URL_SECONDS": str(LINK_SECONDS),
        **mode,
    }
    clean = {k: v for k, v in os.environ.items() if not k.startswith("VIDSTREAM_")}
    cli = [vidstream_executable()]
    subprocess.run([*cli, "db", "upgrade"], env={**clean, **env}, check=True, capture_output=True)
    subprocess.run(
        [*cli, "users", "create", "alice"], env={**clean, **env}, check=True, capture_output=True
    )
    public_id = _shared_video(env, sample_mp4)
    app_port, gw_port = free_ports(2)
    app = start_vidstream(None, app_port, env, root / "logs")
    servers = [app]
    try:
        wait_for_url(app, "/signin")
        values = {
            "GATEWAY_LISTEN": f"{HOST}:{gw_port}",
            "GATEWAY_MAX_BODY_SIZE": "2m",
            "GATEWAY_MEDIA_ROOT": str(data_dir / "media"),
            "GATEWAY_MEDIA_LINK_SECRET": link_secret,
            **{
                f"GATEWAY_{s.upper()}_UPSTREAM": f"{HOST}:{app_port}"
                for s in ("auth", "upload", "stream")
            },
        }
        servers.append(start_nginx(render_gateway_config(values), root / "nginx", gw_port))
        url = servers[-1].url
        owner = _signed_in(url, "alice")
        yield Gateway(url, owner, public_id, request.param, data_dir / "media")
    finally:
        stop_all(servers)


def _no_referrer(answer: requests.Response) -> None:
    assert answer.headers.get("Referrer-Policy") == "no-referrer", (answer.url, answer.headers)


def _byte_paths(viewer: requests.Session, gateway: Gateway, base: str) -> dict[str, str]:
    """Every file of the video by name, as a path under the link's media prefix."""
    master = viewer.get(gateway.url + base + "hls/master.m3u8").text
    rendition = parse_master(master)[0].uri
    folder = rendition.rsplit("/", 1)[0]
    playlist = viewer.get(gateway.url + base + f"hls/{rendition}").text
    segment = parse_segments(playlist)[0][0]
    names = [
        "original.mp4",
        "hls/master.m3u8",
        f"hls/{rendition}",
        f"hls/{folder}/init.mp4",
        f"hls/{folder}/{segment}",
        "poster.jpg",
        "thumb.jpg",
        "storyboard.vtt",
        "storyboard.jpg",
    ]
    return {name: base + name for name in names}


def test_a_share_link_plays_through_the_gateway(gateway: Gateway) -> None:
    link, _ = gateway.make_link(label="gateway")
    viewer = requests.Session()  # no account: only the cookies the link's page sets
    page = viewer.get(gateway.url + link)
    assert page.status_code == 200
    _no_referrer(page)
    assert page.headers["X-Robots-Tag"].startswith("noindex")
    base, master = media_base(page.text), master_url(page.text)

    listed = viewer.get(gateway.url + master)
    assert listed.status_code == 200 and listed.headers["Content-Type"].startswith(
        "application/vnd.apple.mpegurl"
    )
    _no_referrer(listed)
    rendition = parse_master(listed.text)[0].uri
    assert not rendition.startswith(("/", "http"))  # relative: back to our checked URLs
    playlist = viewer.get(gateway.url + base + f"hls/{rendition}")
    assert playlist.status_code == 200
    _no_referrer(playlist)
    # Never a direct link in a share's playlist: each segment is asked for here.
    assert "_signed" not in playlist.text and "?" not in playlist.text
    folder = rendition.rsplit("/", 1)[0]
    segment = parse_segments(playlist.text)[0][0]
    assert "/" not in segment
    segment_url = gateway.url + base + f"hls/{folder}/{segment}"

    first = viewer.get(segment_url, allow_redirects=False)
    _no_referrer(first)
    if gateway.mode == "links":
        assert first.status_code == 302 and first.content == b""
        assert first.headers["Cache-Control"] == "private, no-store"
        assert first.headers["Location"].startswith(f"/_signed/videos/{gateway.public_id}/hls/")
    else:
        assert first.status_code == 200 and "X-Accel-Redirect" not in first.headers
    fetched = viewer.get(segment_url)
    assert fetched.status_code == 200
    assert fetched.content == gateway.stored(f"hls/{folder}/{segment}")

    original = gateway.stored("original.mp4")
    middle = len(original) // 2
    part = viewer.get(
        gateway.url + base + "original.mp4", headers={"Range": f"bytes={middle}-{middle + 999}"}
    )
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes {middle}-{middle + 999}/{len(original)}"
    assert part.content == original[middle : middle + 1000]
    if gateway.mode == "accel":  # nginx sent these bytes itself, after the service said yes
        _no_referrer(part)

    decoded = decode_over_http(gateway.url + master, cookie=None)
    assert decoded.returncode == 0 and decoded.errors == "", decoded.errors
    assert abs(decoded.seconds - SECONDS) <= 0.5, decoded


def _signed_links(viewer: requests.Session, gateway: Gateway, paths: dict[str, str]) -> list[str]:
    """The direct links the service hands out now for every file it does not send itself."""
    links = []
    for name, path in paths.items():
        answer = viewer.get(gateway.url + path, allow_redirects=False)
        if name.endswith((".m3u8", ".vtt")):
            assert answer.status_code == 200, name
            continue
        assert answer.status_code == 302, name
        link = answer.headers["Location"]
        expires = int(link.split("?e=", 1)[1].split("&", 1)[0])
        assert expires <= time.time() + LINK_SECONDS + 1, (name, link)
        links.append(link)
    return links


def test_revocation_reaches_every_byte_path_within_a_links_life(gateway: Gateway) -> None:
    link, share_id = gateway.make_link()
    viewer = requests.Session()
    base = media_base(viewer.get(gateway.url + link).text)
    paths = _byte_paths(viewer, gateway, base)
    for name, path in paths.items():
        assert viewer.get(gateway.url + path).status_code == 200, name
    handed_out = _signed_links(viewer, gateway, paths) if gateway.mode == "links" else []

    revoked = gateway.api("DELETE", f"/api/videos/{gateway.public_id}/shares/{share_id}")
    assert revoked.status_code == 204
    # The service refuses at once, on the page and on every byte path, GET and HEAD.
    assert viewer.get(gateway.url + link).status_code == 404
    for name, path in paths.items():
        assert viewer.get(gateway.url + path, allow_redirects=False).status_code == 404, name
        assert viewer.head(gateway.url + path).status_code == 404, name
    # What nginx checks on its own lives out its short life, then nginx refuses it.
    for handed in handed_out:
        wait_until(
            f"{handed} to expire",
            lambda url=gateway.url + handed: requests.get(url, timeout=10).status_code == 410,
            timeout=LINK_SECONDS * 6,
        )
