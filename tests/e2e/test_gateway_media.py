"""Media bytes sent by the nginx gateway once the stream service has authorised them.

``vidstream serve`` runs behind nginx on the real gateway config, in each of the two
ways the gateway can send media: signed links (``VIDSTREAM_MEDIA_LINKS=/_signed/``,
which compose uses) and ``X-Accel-Redirect`` (``VIDSTREAM_ACCEL_REDIRECT=/_protected/``).
The owner gets originals, HLS files and pictures (ranges included) through the
gateway; a stranger gets 404, an anonymous client 401; the internal location cannot be
asked for from outside, and a forged, altered or expired link gets nothing.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from sqlalchemy import select

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
from vidstream import create_app, current
from vidstream.config import load_settings
from vidstream.extensions import db
from vidstream.models import User, Video, VideoStatus
from vidstream.models.video import hls_key, image_key
from vidstream.services.stream.links import gateway_link
from vidstream.web.headers import content_security_policy

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse"
ORIGINAL = bytes(range(256)) * 4096  # 1 MiB, every offset recognisable
FILES = {
    "original.mp4": ORIGINAL,
    "hls/master.m3u8": b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n360p/index.m3u8\n",
    "hls/360p/seg_00001.m4s": secrets.token_bytes(70_000),
    "poster.jpg": b"\xff\xd8\xff" + secrets.token_bytes(5000),
    "storyboard.vtt": b"WEBVTT\n",
}
# A rendition playlist, which with signed links is sent with a link for every file.
PLAYLIST = b'#EXTM3U\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:4.0,\nseg_00001.m4s\n#EXT-X-ENDLIST\n'
INIT = b"\x00\x00\x00\x18ftypiso6" + secrets.token_bytes(100)


@dataclass
class Gateway:
    """The gateway's URL, the owner's and a stranger's sessions, and the video's id."""

    url: str
    app_url: str
    owner: requests.Session
    stranger: requests.Session
    public_id: str
    mode: str
    secret: str


def _store_video(data_dir: str) -> str:
    """Give alice a processed video with its files written straight into storage."""
    app = create_app(load_settings(env={"VIDSTREAM_DATA_DIR": data_dir}))
    with app.app_context():
        owner = db.session.scalars(select(User).where(User.username == "alice")).one()
        video = Video(owner_id=owner.id, title="t", original_filename="t.mp4",
                      size_bytes=len(ORIGINAL), status=VideoStatus.READY, renditions="360p",
                      poster_ready=True, storyboard_ready=True)  # fmt: skip
        db.session.add(video)
        db.session.flush()
        storage = current.storage(app)
        pid = video.public_id
        keys = {
            "original.mp4": video.original_key,
            "hls/master.m3u8": hls_key(pid, "master.m3u8"),
            "hls/360p/seg_00001.m4s": hls_key(pid, "360p", "seg_00001.m4s"),
            "poster.jpg": image_key(pid, "poster.jpg"),
            "storyboard.vtt": image_key(pid, "storyboard.vtt"),
        }
        extra = {
            hls_key(pid, "360p", "index.m3u8"): PLAYLIST,
            hls_key(pid, "360p", "init.mp4"): INIT,
        }
        for key, data in [*((keys[name], FILES[name]) for name in keys), *extra.items()]:
            path = storage.path(key)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        db.session.commit()
        db.engine.dispose()
    return pid


def _signed_in(url: str, username: str) -> requests.Session:
    session = requests.Session()
    token = session.get(f"{url}/api/session").json()["csrf_token"]
    data = {"username": username, "password": PASSWORD, "csrf_token": token}
    assert session.post(f"{url}/signin", data=data, allow_redirects=False).status_code == 302
    return session


@pytest.fixture(scope="module", params=["links", "accel"])
def gateway(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Gateway]:
    """One ``vidstream serve`` (all services) behind nginx, with alice's video stored."""
    require_nginx()
    root = tmp_path_factory.mktemp("gateway-media")
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
        **mode,
    }
    clean = {k: v for k, v in os.environ.items() if not k.startswith("VIDSTREAM_")}
    cli = [vidstream_executable()]
    subprocess.run([*cli, "db", "upgrade"], env={**clean, **env}, check=True, capture_output=True)
    for name in ("alice", "mallory"):
        subprocess.run(
            [*cli, "users", "create", name], env={**clean, **env}, check=True, capture_output=True
        )
    public_id = _store_video(str(data_dir))
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
        owner, stranger = _signed_in(url, "alice"), _signed_in(url, "mallory")
        yield Gateway(url, app.url, owner, stranger, public_id, request.param, link_secret)
    finally:
        stop_all(servers)


@pytest.mark.parametrize("name", FILES)
def test_owner_gets_every_kind_of_media_from_the_gateway(gateway: Gateway, name: str) -> None:
    answer = gateway.owner.get(f"{gateway.url}/media/{gateway.public_id}/{name}")
    assert answer.status_code == 200
    assert answer.content == FILES[name]
    assert "X-Accel-Redirect" not in answer.headers
    assert answer.headers["Cache-Control"] == "private, max-age=3600"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Content-Security-Policy"] == content_security_policy([])


def test_content_types_are_the_services(gateway: Gateway) -> None:
    base = f"{gateway.url}/media/{gateway.public_id}"
    expected = {
        "original.mp4": "video/mp4",
        "hls/master.m3u8": "application/vnd.apple.mpegurl",
        "hls/360p/seg_00001.m4s": "video/iso.segment",
        "poster.jpg": "image/jpeg",
    }
    for name, content_type in expected.items():
        assert gateway.owner.head(f"{base}/{name}").headers["Content-Type"] == content_type


def test_ranges_and_if_range_are_answered_by_the_gateway(gateway: Gateway) -> None:
    url = f"{gateway.url}/media/{gateway.public_id}/original.mp4"
    part = gateway.owner.get(url, headers={"Range": "bytes=500000-500099"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 500000-500099/{len(ORIGINAL)}"
    assert part.content == ORIGINAL[500000:500100]
    tail = gateway.owner.get(url, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == ORIGINAL[-10:]

    # The validator of the bytes nginx sends (a HEAD is answered by the service).
    etag = gateway.owner.get(url, headers={"Range": "bytes=0-0"}).headers["ETag"]
    same = gateway.owner.get(url, headers={"Range": "bytes=0-9", "If-Range": etag})
    assert same.status_code == 206 and same.content == ORIGINAL[:10]
    other = gateway.owner.get(url, headers={"Range": "bytes=0-9", "If-Range": '"other"'})
    assert other.status_code == 200 and other.content == ORIGINAL
    assert gateway.owner.get(url, headers={"If-None-Match": etag}).status_code == 304


@pytest.mark.parametrize("name", FILES)
def test_strangers_and_anonymous_clients_get_nothing(gateway: Gateway, name: str) -> None:
    url = f"{gateway.url}/media/{gateway.public_id}/{name}"
    stranger = gateway.stranger.get(url)
    assert stranger.status_code == 404
    assert FILES[name] not in stranger.content
    anonymous = requests.get(url, headers={"Accept": "application/json"}, timeout=10)
    assert anonymous.status_code == 401
    assert FILES[name] not in anonymous.content


def test_the_internal_location_is_not_reachable_from_outside(gateway: Gateway) -> None:
    key = f"videos/{gateway.public_id}/original.mp4"
    for session in (gateway.owner, requests.Session()):
        answer = session.get(f"{gateway.url}/_protected/{key}")
        assert answer.status_code == 404
        assert ORIGINAL[:1000] not in answer.content


def test_metrics_are_not_served_through_the_gateway(gateway: Gateway) -> None:
    assert gateway.owner.get(f"{gateway.url}/metrics").status_code == 404
    assert gateway.owner.get(f"{gateway.url}/healthz").json() == {"status": "ok"}


def test_the_service_hands_bytes_to_the_gateway_instead_of_sending_them(
    gateway: Gateway,
) -> None:
    url = f"{gateway.url}/media/{gateway.public_id}/poster.jpg"
    gateway.owner.get(url).raise_for_status()
    text = requests.get(f"{gateway.app_url}/metrics", timeout=10).text
    handed = [line for line in text.splitlines() if line.startswith("vidstream_media_bytes")]
    if gateway.mode == "accel":
        assert any('via="gateway"' in line and float(line.split()[-1]) > 0 for line in handed)
        assert not any('via="app"' in line for line in handed), handed
    else:  # the service sends only playlists and storyboard cues, whose links it writes
        redirect = gateway.owner.get(url, allow_redirects=False)
        assert redirect.status_code == 302 and redirect.content == b""
        assert redirect.headers["Cache-Control"] == "private, no-store"
        assert redirect.headers["Location"].startswith(f"/_signed/videos/{gateway.public_id}/")


def test_signed_links_are_checked_by_nginx(gateway: Gateway) -> None:
    if gateway.mode != "links":
        pytest.skip("signed links are the other mode")
    key = f"videos/{gateway.public_id}/original.mp4"
    media = f"{gateway.url}/media/{gateway.public_id}/original.mp4"
    link = gateway.owner.get(media, allow_redirects=False).headers["Location"]
    # The link itself is the permission, for anyone who holds it, until it expires.
    assert requests.get(f"{gateway.url}{link}", timeout=10).content == ORIGINAL
    uri, _, query = link.partition("?")
    expires, signature = (part.split("=", 1)[1] for part in query.split("&"))
    other = f"/_signed/videos/{gateway.public_id}/images/poster.jpg"
    later = str(int(expires) + 3600)
    forged = {
        "no signature": uri,
        "another file": f"{other}?e={expires}&s={signature}",
        "a later expiry": f"{uri}?e={later}&s={signature}",
        "a wrong key": gateway_link("/_signed/", key, "x" * 64, int(expires)),
        "a made-up signature": f"{uri}?e={expires}&s={'A' * 22}",
    }
    for case, path in forged.items():
        answer = requests.get(f"{gateway.url}{path}", timeout=10)
        assert answer.status_code == 403, case
        assert ORIGINAL[:1000] not in answer.content, case
    expired = gateway_link("/_signed/", key, gateway.secret, int(time.time()) - 1)
    assert requests.get(f"{gateway.url}{expired}", timeout=10).status_code == 410


def test_a_rendition_playlist_names_its_files_by_signed_links(gateway: Gateway) -> None:
    url = f"{gateway.url}/media/{gateway.public_id}/hls/360p/index.m3u8"
    answer = gateway.owner.get(url)
    assert answer.status_code == 200
    if gateway.mode == "accel":
        assert answer.content == PLAYLIST
        return
    assert answer.headers["Cache-Control"] == "private, no-store"
    lines = answer.text.splitlines()
    assert lines[0] == "#EXTM3U" and lines[-1] == "#EXT-X-ENDLIST"
    folder = f"/_signed/videos/{gateway.public_id}/hls/360p"
    init = lines[1].removeprefix('#EXT-X-MAP:URI="').removesuffix('"')
    assert init.startswith(f"{folder}/init.mp4?e=")
    assert lines[3].startswith(f"{folder}/seg_00001.m4s?e=")
    # A player fetches them straight from nginx, no session needed, no call to the service.
    segment = requests.get(f"{gateway.url}{lines[3]}", timeout=10)
    assert segment.content == FILES["hls/360p/seg_00001.m4s"]
    assert segment.headers["Content-Type"] == "video/iso.segment"
    assert requests.get(f"{gateway.url}{init}", timeout=10).content == INIT
    assert gateway.stranger.get(url).status_code == 404
