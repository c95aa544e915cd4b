"""The stream service: library, player, Range serving, access checks and deletion."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update
from werkzeug.http import http_date

from tests.support.accounts import AuthActions
from tests.support.videos import add_raw_video
from vidstream import current
from vidstream.extensions import db
from vidstream.media_index import forget_media
from vidstream.models import User, Video, VideoStatus


@pytest.fixture
def alice(app: Flask, auth: AuthActions, sample_mp4: Path) -> dict[str, Any]:
    """Alice, signed in on ``auth.client``, with one uploaded video."""
    auth.signup("alice")
    video = auth.upload(sample_mp4, title="Alice's clip", json=True).get_json()["video"]
    return video


def test_library_lists_only_own_videos(
    alice: dict[str, Any], auth: AuthActions, mallory: AuthActions
) -> None:
    page = auth.client.get("/stream")
    assert page.status_code == 200
    assert b"Alice&#39;s clip" in page.data
    assert b"0:02" in page.data
    assert mallory.client.get("/api/videos").get_json() == {"videos": [], "next": None}
    assert b"Alice" not in mallory.client.get("/stream").data
    assert b"No videos yet" in mallory.client.get("/stream").data


def test_player_page(alice: dict[str, Any], auth: AuthActions) -> None:
    page = auth.client.get(f"/stream/{alice['id']}")
    assert page.status_code == 200
    assert f'src="/media/{alice["id"]}/original.mp4"'.encode() in page.data


def test_strangers_get_404_on_every_url(alice: dict[str, Any], mallory: AuthActions) -> None:
    vid = alice["id"]
    c = mallory.client
    token = mallory.csrf()
    assert c.get(f"/stream/{vid}").status_code == 404
    assert c.get(f"/media/{vid}/original.mp4").status_code == 404
    assert c.head(f"/media/{vid}/original.mp4").status_code == 404
    assert c.get(f"/media/{vid}/original.mp4", headers={"Range": "bytes=0-99"}).status_code == 404
    assert c.get(f"/api/videos/{vid}").status_code == 404
    assert c.delete(f"/api/videos/{vid}", headers={"X-CSRFToken": token}).status_code == 404
    assert c.post(f"/stream/{vid}/delete", data={"csrf_token": token}).status_code == 404


MEDIA_PATHS = [
    "original.mp4",
    "hls/master.m3u8",
    "hls/240p/index.m3u8",
    "hls/240p/init.mp4",
    "hls/240p/seg_00000.m4s",
    "poster.jpg",
    "thumb.jpg",
    "storyboard.vtt",
    "storyboard.jpg",
]


def _set_status(app: Flask, public_id: str, status: VideoStatus) -> None:
    with app.app_context():
        db.session.execute(update(Video).where(Video.public_id == public_id).values(status=status))
        db.session.commit()
        forget_media(public_id)


@pytest.mark.parametrize("status", list(VideoStatus))
def test_strangers_get_the_same_404_in_every_state(
    app: Flask,
    alice: dict[str, Any],
    auth: AuthActions,
    mallory: AuthActions,
    status: VideoStatus,
) -> None:
    """However far the video is (validating, failed, playable but without renditions),
    a stranger gets exactly what an id that does not exist gets, for GET, Range and HEAD:
    no state check may answer before the ownership check."""
    _set_status(app, alice["id"], status)
    c, vid, unknown = mallory.client, alice["id"], "A" * 22
    for path in MEDIA_PATHS:
        if not status.playable or path != "original.mp4":
            # The owner is refused for this state, so a check out of order would show.
            assert auth.client.get(f"/media/{vid}/{path}").status_code == 409, path
        for method, headers in (("GET", {}), ("GET", {"Range": "bytes=0-9"}), ("HEAD", {})):
            theirs = c.open(f"/media/{vid}/{path}", method=method, headers=headers)
            nobodys = c.open(f"/media/{unknown}/{path}", method=method, headers=headers)
            assert theirs.status_code == 404, (method, path, theirs.data)
            assert (theirs.data, theirs.content_type) == (nobodys.data, nobodys.content_type)
    as_json = {"Accept": "application/json"}  # a page carries a fresh CSRF token each time
    for url in (f"/stream/{vid}", f"/api/videos/{vid}"):
        theirs = c.get(url, headers=as_json)
        nobodys = c.get(url.replace(vid, unknown), headers=as_json)
        assert (theirs.status_code, theirs.get_json()) == (404, nobodys.get_json()), url


def test_anonymous_pages_redirect_and_api_gets_401(alice: dict[str, Any], app: Flask) -> None:
    c = app.test_client()
    vid = alice["id"]
    assert c.get("/stream").status_code == 302
    assert c.get(f"/stream/{vid}").headers["Location"].startswith("/signin?next=")
    media = c.get(f"/media/{vid}/original.mp4")
    assert media.status_code == 401
    assert media.get_json()["error"]["message"] == "Sign in to continue."
    assert c.get("/api/videos").status_code == 401
    assert c.get(f"/api/videos/{vid}").status_code == 401


def test_full_get_and_head(alice: dict[str, Any], auth: AuthActions, sample_mp4: Path) -> None:
    url = f"/media/{alice['id']}/original.mp4"
    response = auth.client.get(url)
    assert response.status_code == 200
    assert response.data == sample_mp4.read_bytes()
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["Content-Type"] == "video/mp4"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["ETag"].startswith('"')
    assert response.headers["Last-Modified"]
    head = auth.client.head(url)
    assert head.status_code == 200
    assert head.data == b""
    assert head.headers["Content-Length"] == str(sample_mp4.stat().st_size)


@pytest.mark.parametrize(
    ("header", "start", "stop"),
    [("bytes=0-99", 0, 100), ("bytes=100-", 100, None), ("bytes=-500", -500, None),
     ("bytes=10-10", 10, 11), ("bytes=1000-99999999999", 1000, None)],
)  # fmt: skip
def test_single_ranges(
    alice: dict[str, Any],
    auth: AuthActions,
    sample_mp4: Path,
    header: str,
    start: int,
    stop: int | None,
) -> None:
    body = sample_mp4.read_bytes()
    expected = body[start:stop]
    response = auth.client.get(f"/media/{alice['id']}/original.mp4", headers={"Range": header})
    assert response.status_code == 206
    assert response.data == expected
    first = start if start >= 0 else len(body) + start
    assert (
        response.headers["Content-Range"]
        == f"bytes {first}-{first + len(expected) - 1}/{len(body)}"
    )
    assert response.headers["Content-Length"] == str(len(expected))


@pytest.mark.parametrize(
    "header",
    ["bytes=99999999-", "bytes=500-100", "bytes=abc", "bytes=0-1,5-9", "bytes=", "bytes=--1"],
)
def test_unsatisfiable_ranges_are_416(
    alice: dict[str, Any], auth: AuthActions, sample_mp4: Path, header: str
) -> None:
    response = auth.client.get(f"/media/{alice['id']}/original.mp4", headers={"Range": header})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == f"bytes */{sample_mp4.stat().st_size}"
    assert response.get_json()["error"]["message"]


def test_other_range_units_are_ignored(alice: dict[str, Any], auth: AuthActions) -> None:
    response = auth.client.get(f"/media/{alice['id']}/original.mp4", headers={"Range": "items=0-5"})
    assert response.status_code == 200


def test_conditional_requests(alice: dict[str, Any], auth: AuthActions, sample_mp4: Path) -> None:
    url = f"/media/{alice['id']}/original.mp4"
    first = auth.client.get(url)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert auth.client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert auth.client.get(url, headers={"If-Modified-Since": modified}).status_code == 304
    assert auth.client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    same = auth.client.get(url, headers={"Range": "bytes=10-19", "If-Range": etag})
    assert same.status_code == 206 and same.data == sample_mp4.read_bytes()[10:20]
    assert same.headers["Content-Range"] == f"bytes 10-19/{sample_mp4.stat().st_size}"
    by_date = auth.client.get(url, headers={"Range": "bytes=10-19", "If-Range": modified})
    assert by_date.status_code == 206 and by_date.data == sample_mp4.read_bytes()[10:20]
    changed = auth.client.get(url, headers={"Range": "bytes=0-9", "If-Range": '"stale"'})
    assert changed.status_code == 200
    assert changed.data == sample_mp4.read_bytes()
    old_date = auth.client.get(url, headers={"Range": "bytes=0-9", "If-Range": http_date(0)})
    assert old_date.status_code == 200


def test_range_far_into_a_large_file_reads_only_the_range(
    app: Flask, auth: AuthActions, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 1 MiB range at 1 GiB reads 1 MiB from disk: nothing before the offset is touched."""
    big = tmp_path / "big.bin"
    offset, mib = 1024**3, 1024 * 1024
    pattern = bytes(range(256)) * (mib // 256)
    with open(big, "wb") as fh:
        fh.truncate(2 * 1024**3)
        fh.seek(offset)
        fh.write(pattern)
    auth.signup("alice")
    vid = add_raw_video(app, "alice", big)

    read_sizes: list[int] = []
    storage = current.storage(app)
    real_open = storage.open

    class CountingFile:
        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def read(self, n: int = -1) -> bytes:
            data: bytes = self.inner.read(n)
            read_sizes.append(len(data))
            return data

        def __getattr__(self, name: str) -> Any:
            return getattr(self.inner, name)

    monkeypatch.setattr(storage, "open", lambda key: CountingFile(real_open(key)))
    response = auth.client.get(
        f"/media/{vid}/original.mp4", headers={"Range": f"bytes={offset}-{offset + mib - 1}"}
    )
    assert response.status_code == 206
    assert response.data == pattern
    assert sum(read_sizes) == mib


def test_delete_from_the_player_page(app: Flask, alice: dict[str, Any], auth: AuthActions) -> None:
    storage = current.storage(app)
    assert storage.list_keys(f"videos/{alice['id']}/")
    response = auth.client.post(f"/stream/{alice['id']}/delete", data={"csrf_token": auth.csrf()})
    assert response.status_code == 303
    assert storage.list_keys("") == []
    assert auth.client.get(f"/stream/{alice['id']}").status_code == 404
    assert auth.client.get(f"/media/{alice['id']}/original.mp4").status_code == 404


def test_delete_through_the_api(app: Flask, alice: dict[str, Any], auth: AuthActions) -> None:
    url = f"/api/videos/{alice['id']}"
    assert auth.client.delete(url).status_code == 400  # no CSRF token
    assert auth.client.delete(url, headers={"X-CSRFToken": auth.csrf()}).status_code == 204
    assert auth.client.get(url).status_code == 404
    assert current.storage(app).list_keys("") == []
    assert auth.client.delete(url, headers={"X-CSRFToken": auth.csrf()}).status_code == 404


def test_api_shapes(alice: dict[str, Any], auth: AuthActions) -> None:
    listed = auth.client.get("/api/videos").get_json()["videos"]
    assert [v["id"] for v in listed] == [alice["id"]]
    one = auth.client.get(f"/api/videos/{alice['id']}").get_json()["video"]
    assert one["status"] == "ready_original"
    assert one["urls"]["original"] == f"/media/{alice['id']}/original.mp4"
    missing = auth.client.get("/api/videos/does-not-exist")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"


def test_deleting_a_user_deletes_their_videos(app: Flask, alice: dict[str, Any]) -> None:
    with app.app_context():
        db.session.delete(db.session.scalars(select(User)).one())
        db.session.commit()
        assert db.session.scalars(select(Video)).all() == []
