"""The media fast path (services/stream/fast_path.py): the same answers, sooner.

Each test first shows that the fast path itself answered (Flask behind it is replaced
by an app that fails the test), then that what it sent is what the full path sends,
and that every change of who may watch takes effect on it at once: sign out
everywhere, ending one session, disabling the owner, revoking a link or a share,
making the video private.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash
from werkzeug.test import TestResponse

from tests.support.accounts import AuthActions
from tests.support.pipeline import process_now
from tests.support.sharing import api, make_link, media_base
from vidstream import current
from vidstream.extensions import db
from vidstream.media_memo import Memo, SharedCounter
from vidstream.models import Role, User
from vidstream.services.stream import fast_path as fast_path_module
from vidstream.services.stream.fast_path import MediaFastPath
from vidstream.web.link_grants import GRANT_SECONDS

RANGES: list[dict[str, str]] = [
    {},
    {"Range": "bytes=0-99"},
    {"Range": "bytes=100-"},
    {"Range": "bytes=10-999999999"},
]
# What differs between two answers to the same request whoever sends them.
UNCOMPARED = {"Date"}


def fast_path(app: Flask) -> MediaFastPath:
    """The layer in front of Flask (inside the proxy-headers layer)."""
    layer = app.wsgi_app.app  # type: ignore[attr-defined]
    assert isinstance(layer, MediaFastPath)
    return layer


@contextmanager
def only_fast(app: Flask) -> Iterator[None]:
    """Fail any request the fast path passes on to Flask."""
    layer = fast_path(app)
    inner = layer.inner

    def passed_on(environ: dict[str, Any], start_response: Any) -> Any:
        raise AssertionError(f"passed on to Flask: {environ['PATH_INFO']}")

    layer.inner = passed_on
    try:
        yield
    finally:
        layer.inner = inner


@contextmanager
def only_full(app: Flask) -> Iterator[None]:
    """Send every request down the full path."""
    layer = fast_path(app)
    layer.enabled = False
    try:
        yield
    finally:
        layer.enabled = True


def shape(response: TestResponse) -> tuple[int, dict[str, str], bytes]:
    headers = {k: v for k, v in response.headers.items() if k not in UNCOMPARED}
    return response.status_code, headers, response.get_data()


@pytest.fixture
def video(app: Flask, auth: AuthActions, sample_mp4: Path) -> str:
    """Alice's unlisted video with its HLS ladder."""
    auth.signup("alice")
    vid: str = auth.upload(sample_mp4, title="clip", json=True).get_json()["video"]["id"]
    process_now(app, vid)
    api(auth, "PATCH", f"/api/videos/{vid}", {"visibility": "unlisted"})
    return vid


def hls_files(client: FlaskClient, base: str) -> list[str]:
    """The init section and first segment of the video's first rendition."""
    master = client.get(base + "hls/master.m3u8").data.decode()
    rendition = next(line for line in master.splitlines() if line and not line.startswith("#"))
    folder = rendition.rsplit("/", 1)[0]
    playlist = client.get(base + "hls/" + rendition).data.decode()
    segment = next(line for line in playlist.splitlines() if line.endswith(".m4s"))
    return [f"hls/{folder}/init.mp4", f"hls/{folder}/{segment}"]


def assert_same_answers(app: Flask, client: FlaskClient, base: str) -> None:
    """Every file the fast path serves, every Range form, GET and HEAD: as the full path."""
    for path in ["original.mp4", *hls_files(client, base)]:
        for headers in RANGES:
            for method in ("GET", "HEAD"):
                with only_fast(app):
                    fast = shape(client.open(base + path, method=method, headers=headers))
                with only_full(app):
                    full = shape(client.open(base + path, method=method, headers=headers))
                assert fast == full, (path, method, headers)
                assert fast[0] in (200, 206), (path, fast[0])


def test_the_owner_gets_the_full_paths_answers(app: Flask, video: str, auth: AuthActions) -> None:
    assert_same_answers(app, auth.client, f"/media/{video}/")


def test_a_link_viewer_gets_the_full_paths_answers(
    app: Flask, video: str, auth: AuthActions
) -> None:
    viewer = app.test_client()
    base = media_base(viewer.get(make_link(auth, video)).data.decode())
    assert_same_answers(app, viewer, base)
    with only_fast(app):
        answer = viewer.get(base + "original.mp4", headers={"Range": "bytes=0-9"})
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert answer.headers["X-Robots-Tag"] == "noindex, nofollow"


def test_public_and_recipient_viewers(
    app: Flask, video: str, auth: AuthActions, mallory: AuthActions
) -> None:
    api(auth, "PATCH", f"/api/videos/{video}", {"visibility": "public"})
    assert_same_answers(app, app.test_client(), f"/media/{video}/")
    api(auth, "PATCH", f"/api/videos/{video}", {"visibility": "private"})
    shared = api(auth, "POST", f"/api/videos/{video}/shares", {"username": "mallory"})
    assert shared.status_code == 201, shared.get_json()
    assert_same_answers(app, mallory.client, f"/media/{video}/")


def test_what_it_leaves_to_flask(app: Flask, video: str, auth: AuthActions) -> None:
    """Conditional requests, odd ranges, tokens, strangers: the full path answers them."""
    url = f"/media/{video}/original.mp4"
    etag = auth.client.get(url).headers["ETag"]
    passed: list[str] = []
    layer = fast_path(app)
    inner = layer.inner

    def noting(environ: dict[str, Any], start_response: Any) -> Any:
        passed.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    layer.inner = noting
    try:
        assert auth.client.get(url, headers={"If-None-Match": etag}).status_code == 304
        assert auth.client.get(url, headers={"Range": "bytes=0-1,5-9"}).status_code == 416
        assert auth.client.get(url, headers={"Range": "bytes=999999999-"}).status_code == 416
        assert auth.client.get(url, headers={"Range": "bytes=-10"}).status_code == 206
        assert app.test_client().get(url).status_code == 401
        assert auth.client.get(f"/media/{video}/hls/master.m3u8").status_code == 200
    finally:
        layer.inner = inner
    assert len(passed) == 6


def test_a_failing_store_is_left_to_flask(
    app: Flask, video: str, auth: AuthActions, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An error while checking is never the fast path's answer: Flask runs the request."""
    from sqlalchemy.exc import OperationalError

    def failing(public_id: str) -> None:
        raise OperationalError("SELECT", {}, Exception("database is locked"))

    monkeypatch.setattr(fast_path_module, "media_info", failing)
    answer = auth.client.get(f"/media/{video}/original.mp4", headers={"Range": "bytes=0-9"})
    assert answer.status_code == 206  # the full path, whose own lookup works here


def test_sign_out_everywhere_stops_it_at_once(app: Flask, video: str, auth: AuthActions) -> None:
    other = AuthActions(app.test_client())
    other.signin("alice")
    url = f"/media/{video}/original.mp4"
    with only_fast(app):
        assert other.client.get(url, headers={"Range": "bytes=0-9"}).status_code == 206
    answer = auth.client.post("/signout/everywhere", data={"csrf_token": auth.csrf()})
    assert answer.status_code in (302, 303), answer.data[:300]
    assert other.client.get(url, headers={"Range": "bytes=0-9"}).status_code == 401


def test_signing_out_stops_it_at_once(app: Flask, video: str, auth: AuthActions) -> None:
    url = f"/media/{video}/original.mp4"
    with only_fast(app):
        assert auth.client.get(url, headers={"Range": "bytes=0-9"}).status_code == 206
    cookie = auth.client.get_cookie("vidstream_session")
    assert cookie is not None
    auth.signout()
    stale = app.test_client()
    stale.set_cookie("vidstream_session", cookie.value)
    assert stale.get(url, headers={"Range": "bytes=0-9"}).status_code == 401


def test_disabling_the_owner_stops_every_viewer_at_once(
    app: Flask, video: str, auth: AuthActions
) -> None:
    viewer = app.test_client()
    base = media_base(viewer.get(make_link(auth, video)).data.decode())
    with only_fast(app):
        assert viewer.get(base + "original.mp4").status_code == 200
        assert auth.client.get(f"/media/{video}/original.mp4").status_code == 200
    with app.app_context():
        hashed = generate_password_hash("root pass 1")
        db.session.add(User(username="root", password_hash=hashed, role=Role.ADMIN))
        db.session.commit()
    admin = AuthActions(app.test_client())
    admin.signin("root", "root pass 1")
    off = api(admin, "PATCH", "/api/admin/users/alice", {"disabled": True})
    assert off.status_code == 200, off.get_json()
    assert viewer.get(base + "original.mp4").status_code == 404
    assert auth.client.get(f"/media/{video}/original.mp4").status_code in (401, 404)


def test_revoking_a_link_or_a_share_stops_it_at_once(
    app: Flask, video: str, auth: AuthActions, mallory: AuthActions
) -> None:
    viewer = app.test_client()
    base = media_base(viewer.get(make_link(auth, video)).data.decode())
    segment = hls_files(auth.client, f"/media/{video}/")[1]
    with only_fast(app):
        assert viewer.get(base + segment).status_code == 200
    share_id = api(auth, "GET", f"/api/videos/{video}/shares").get_json()["shares"][0]["id"]
    assert api(auth, "DELETE", f"/api/videos/{video}/shares/{share_id}").status_code == 204
    assert viewer.get(base + segment).status_code == 404
    assert viewer.get(base + "original.mp4").status_code == 404

    api(auth, "PATCH", f"/api/videos/{video}", {"visibility": "private"})
    shared = api(auth, "POST", f"/api/videos/{video}/shares", {"username": "mallory"})
    url = f"/media/{video}/{segment}"
    with only_fast(app):
        assert mallory.client.get(url).status_code == 200
    share_id = shared.get_json()["share"]["id"]
    assert api(auth, "DELETE", f"/api/videos/{video}/shares/{share_id}").status_code == 204
    assert mallory.client.get(url).status_code == 404


def test_making_a_public_video_private_stops_anonymous_viewers_at_once(
    app: Flask, video: str, auth: AuthActions
) -> None:
    api(auth, "PATCH", f"/api/videos/{video}", {"visibility": "public"})
    anyone = app.test_client()
    with only_fast(app):
        assert anyone.get(f"/media/{video}/original.mp4").status_code == 200
    api(auth, "PATCH", f"/api/videos/{video}", {"visibility": "private"})
    assert anyone.get(f"/media/{video}/original.mp4").status_code == 401


@pytest.mark.parametrize(
    "settings_overrides",
    [{"media_fast_path": False}, {"services": ("stream",), "public_url": ""}],
    ids=["turned off", "split ports on default URLs"],
)
def test_off_when_turned_off_or_the_headers_need_the_request(app: Flask) -> None:
    """Split ports with no URLs: the policy names the request's host, so Flask answers."""
    layer = fast_path(app)
    assert layer.enabled is False


def test_a_bump_in_another_process_is_seen_at_once(tmp_path: Path) -> None:
    """The memo of one process forgets what it kept when any process reports a change."""
    memo = Memo(SharedCounter(tmp_path / "counter"))
    generation = memo.generation()
    memo.put("video", "facts", generation)
    assert memo.get("video") == "facts"
    code = (
        "import sys; from pathlib import Path; from vidstream.media_memo import SharedCounter; "
        "SharedCounter(Path(sys.argv[1])).bump()"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "counter")], check=True)
    assert memo.get("video") is None
    # A fact read before the bump is not kept after it.
    memo.put("video", "stale", generation)
    assert memo.get("video") is None


def test_nothing_is_kept_past_its_age(tmp_path: Path) -> None:
    """A change made past the app bumps nothing: what was kept still ends, as in Redis."""
    memo = Memo(SharedCounter(tmp_path / "counter"), max_age=0.2)
    memo.put("video", "facts", memo.generation())
    assert memo.get("video") == "facts"
    time.sleep(0.3)
    assert memo.get("video") is None


def test_the_memo_is_used_only_with_sqlite_and_no_redis(app: Flask) -> None:
    from vidstream.media_index import _memo

    with app.app_context():
        settings = current.settings()
        expected = settings.redis_url is None and settings.database_url.startswith("sqlite")
        assert (_memo() is not None) is expected


def test_an_expired_grant_gets_nothing(
    app: Flask, video: str, auth: AuthActions, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A link's grant is good for GRANT_SECONDS: after that, no byte on either path."""
    viewer = app.test_client()
    base = media_base(viewer.get(make_link(auth, video)).data.decode())
    files = ["original.mp4", *hls_files(auth.client, f"/media/{video}/")]
    with only_fast(app):
        for path in files:
            assert viewer.get(base + path, headers={"Range": "bytes=0-9"}).status_code == 206
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + GRANT_SECONDS + 5)
    for path in files:
        assert viewer.get(base + path, headers={"Range": "bytes=0-9"}).status_code == 404, path
        assert viewer.head(base + path).status_code == 404, path
    forged = base.replace("/m/", "/m/x", 1)
    monkeypatch.setattr(time, "time", real)
    assert viewer.get(forged + "original.mp4").status_code == 404
