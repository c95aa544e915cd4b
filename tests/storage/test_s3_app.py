"""The whole app on S3 storage (a moto server): upload, process, serve, share, check, delete."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from tusclient.client import TusClient

from tests.support.accounts import AuthActions
from tests.support.media import make_large_mp4, make_mp4
from tests.support.pipeline import live_server, parse_master, parse_segments, process_now
from tests.support.s3server import storage_url
from tests.support.servers import free_ports
from tests.support.sharing import api, make_link, media_base, share_ids
from vidstream.cli import main
from vidstream.config import Settings
from vidstream.extensions import db
from vidstream.jobs.context import Outcome
from vidstream.models import User, Video
from vidstream.services.auth.tokens import create_token
from vidstream.storage import storage_from_url
from vidstream.storage.check import check_storage

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

MIB = 1024 * 1024


@pytest.fixture
def settings_overrides(bucket: str, moto_url: str) -> dict[str, Any]:
    """This test's bucket as the media store; the quickest encodes."""
    return {"storage_url": storage_url(bucket, moto_url), "x264_preset": "ultrafast"}


def _objects(s3: S3Client, bucket: str, prefix: str = "") -> dict[str, bytes]:
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=prefix).get("Contents", [])
    return {o["Key"]: s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read() for o in listed}


def _followed(client: FlaskClient, url: str, content_type: str) -> bytes:
    """GET ``url`` as its owner: a private 302 to a link that serves ``content_type``."""
    answer = client.get(url)
    assert answer.status_code == 302, (url, answer.status_code)
    assert answer.headers["Cache-Control"] == "private, no-store"
    fetched = requests.get(answer.headers["Location"], timeout=10)
    assert fetched.status_code == 200, url
    assert fetched.headers["Content-Type"] == content_type
    return fetched.content


def _served_here(client: FlaskClient, url: str) -> str:
    answer = client.get(url)
    assert answer.status_code == 200, (url, answer.status_code)
    return answer.get_data(as_text=True)


def _check_command(settings: Settings) -> Any:
    env = {
        "VIDSTREAM_DATA_DIR": str(settings.data_dir / "cli"),
        "VIDSTREAM_DATABASE_URL": settings.database_url,
        "VIDSTREAM_STORAGE_URL": settings.storage_url,
    }
    return CliRunner().invoke(main, ["storage", "check"], env=env)


def test_a_video_lives_in_the_bucket(
    app: Flask,
    auth: AuthActions,
    mallory: AuthActions,
    settings: Settings,
    s3: S3Client,
    bucket: str,
    moto_url: str,
    tmp_path: Path,
) -> None:
    source = make_mp4(tmp_path / "clip.mp4")  # index at the end: the worker remuxes it
    auth.signup()
    public_id = auth.upload(source, json=True).get_json()["video"]["id"]
    prefix = f"videos/{public_id}/"
    assert _objects(s3, bucket, prefix) == {f"{prefix}original.mp4": source.read_bytes()}
    assert auth.client.get(f"/media/{public_id}/original.mp4").status_code == 409
    assert process_now(app, public_id) == (Outcome.PLAYABLE, Outcome.READY)
    stored = _objects(s3, bucket, prefix)
    remuxed = stored[f"{prefix}original.mp4"]
    assert remuxed != source.read_bytes()

    media = f"/media/{public_id}"
    assert _followed(auth.client, f"{media}/original.mp4", "video/mp4") == remuxed
    head = auth.client.head(f"{media}/original.mp4")
    assert head.status_code == 200 and head.headers["Content-Length"] == str(len(remuxed))
    assert mallory.client.get(f"{media}/original.mp4").status_code == 404
    assert mallory.client.get(f"{media}/poster.jpg").status_code == 404
    assert app.test_client().get(f"{media}/original.mp4").status_code == 401

    assert _followed(auth.client, f"{media}/poster.jpg", "image/jpeg").startswith(b"\xff\xd8")
    poster_head = auth.client.head(f"{media}/poster.jpg")
    assert poster_head.status_code == 200
    assert poster_head.headers["Content-Length"] == str(len(stored[f"{prefix}images/poster.jpg"]))
    assert _followed(auth.client, f"{media}/storyboard.jpg", "image/jpeg").startswith(b"\xff\xd8")
    assert "storyboard.jpg#xywh=" in _served_here(auth.client, f"{media}/storyboard.vtt")

    master = _served_here(auth.client, f"{media}/hls/master.m3u8")
    rendition = parse_master(master)[0].uri
    playlist = _served_here(auth.client, f"{media}/hls/{rendition}")
    folder = rendition.rsplit("/", 1)[0]
    # The rendition playlist names the init section and segments by presigned links, so
    # a player fetches them from the bucket without a request here for each one.
    assert f'#EXT-X-MAP:URI="{moto_url}/{bucket}/{prefix}hls/{folder}/init.mp4?' in playlist
    link, _seconds = parse_segments(playlist)[0]
    assert link.startswith(f"{moto_url}/{bucket}/{prefix}hls/{folder}/seg_") and "X-Amz-" in link
    segment = link.split("?")[0].rsplit("/", 1)[1]
    direct = requests.get(link, timeout=10)
    assert direct.status_code == 200 and direct.headers["Content-Type"] == "video/iso.segment"
    assert direct.content == stored[f"{prefix}hls/{folder}/{segment}"]
    assert auth.client.get(f"{media}/hls/{rendition}").headers["Cache-Control"] == (
        "private, no-store"
    )
    segment_bytes = _followed(auth.client, f"{media}/hls/{folder}/{segment}", "video/iso.segment")
    assert segment_bytes == stored[f"{prefix}hls/{folder}/{segment}"]
    _followed(auth.client, f"{media}/hls/{folder}/init.mp4", "video/mp4")
    ranged = auth.client.get(f"{media}/hls/master.m3u8", headers={"Range": "bytes=0-6"})
    assert ranged.status_code == 206 and ranged.data == b"#EXTM3U"

    policy = auth.client.get("/stream").headers["Content-Security-Policy"]
    assert f"media-src 'self' blob: {moto_url}" in policy
    assert f"img-src 'self' data: blob: {moto_url}" in policy

    checked = _check_command(settings)
    assert checked.exit_code == 0, checked.output
    assert "storage and database agree" in checked.output

    deleted = auth.client.post(f"/stream/{public_id}/delete", data={"csrf_token": auth.csrf()})
    assert deleted.status_code == 303
    assert _objects(s3, bucket) == {}


def test_a_resumable_upload_is_published_in_parts(
    app: Flask, auth: AuthActions, s3: S3Client, bucket: str, tmp_path: Path
) -> None:
    source = make_large_mp4(tmp_path / "large.mp4", 17 * MIB)  # three 8 MiB parts
    auth.signup()
    with app.app_context():
        user_id = db.session.scalars(select(User.id).where(User.username == "alice")).one()
        _token, secret = create_token(user_id, "tests")
    bearer = {"Authorization": f"Bearer {secret}"}
    with live_server(app) as url:
        uploader = TusClient(f"{url}/api/uploads/", headers=bearer).uploader(
            str(source), chunk_size=4 * MIB
        )
        uploader.upload()
        done = requests.head(
            str(uploader.url), headers={**bearer, "Tus-Resumable": "1.0.0"}, timeout=10
        )
    public_id = done.headers["Upload-Video-Id"]
    key = f"videos/{public_id}/original.mp4"
    assert _objects(s3, bucket) == {key: source.read_bytes()}
    assert s3.head_object(Bucket=bucket, Key=key)["ETag"].strip('"').endswith("-3")
    with app.app_context():
        assert db.session.scalars(select(Video.public_id)).all() == [public_id]


def test_storage_check_repairs_old_strays_in_the_bucket(
    app: Flask, s3: S3Client, bucket: str
) -> None:
    stray = "videos/Stray000000000000000/original.mp4"
    s3.put_object(Bucket=bucket, Key=stray, Body=b"x")
    with app.app_context():
        young = check_storage(repair=True)
        assert young.young_files_without_rows == [stray]
        later = check_storage(repair=True, now=time.time() + 3 * 86400)
    assert later.deleted_files == [stray]
    assert _objects(s3, bucket) == {}


def _unreachable(bucket: str) -> Any:
    (port,) = free_ports(1)
    return storage_from_url(storage_url(bucket, f"http://127.0.0.1:{port}"))


def test_readiness_names_an_unreachable_store(
    app: Flask, client: FlaskClient, bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert client.get("/readyz").get_json() == {"status": "ok"}
    monkeypatch.setitem(app.extensions, "vidstream.storage", _unreachable(bucket))
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.get_json()["down"] == {"storage": "EndpointConnectionError"}


def test_an_upload_while_the_store_is_away_is_a_503(
    app: Flask, auth: AuthActions, bucket: str, sample_mp4: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth.signup()
    monkeypatch.setitem(app.extensions, "vidstream.storage", _unreachable(bucket))
    answer = auth.upload(sample_mp4, json=True)
    assert answer.status_code == 503
    assert answer.get_json()["error"]["code"] == "unavailable"
    with app.app_context():
        assert db.session.scalars(select(Video.id)).all() == []


def test_a_share_link_on_s3_gets_presigned_links_only_after_the_check(
    app: Flask, auth: AuthActions, settings: Settings, moto_url: str, sample_mp4: Path
) -> None:
    auth.signup()
    public_id = auth.upload(sample_mp4, json=True).get_json()["video"]["id"]
    assert process_now(app, public_id)[1] is Outcome.READY
    api(auth, "PATCH", f"/api/videos/{public_id}", {"visibility": "unlisted"})
    link = make_link(auth, public_id)
    viewer = app.test_client()
    base = media_base(viewer.get(link).get_data(as_text=True))

    owners = _followed(auth.client, f"/media/{public_id}/original.mp4", "video/mp4")
    assert _followed(viewer, f"{base}original.mp4", "video/mp4") == owners
    lifetime = f"X-Amz-Expires={settings.presigned_url_seconds}"
    assert lifetime in viewer.get(f"{base}original.mp4").headers["Location"]
    rendition = parse_master(_served_here(viewer, f"{base}hls/master.m3u8"))[0].uri
    playlist = _served_here(viewer, f"{base}hls/{rendition}")
    # A share's playlist names its files by relative URI: each is checked here first.
    assert moto_url not in playlist and "X-Amz-" not in playlist
    assert '#EXT-X-MAP:URI="init.mp4"' in playlist
    segment, _seconds = parse_segments(playlist)[0]
    assert "/" not in segment
    folder = rendition.rsplit("/", 1)[0]
    assert _followed(viewer, f"{base}hls/{folder}/{segment}", "video/iso.segment")
    _followed(viewer, f"{base}hls/{folder}/init.mp4", "video/mp4")

    token, grant = base.split("/")[2], base.split("/")[4]
    forged = viewer.get(f"/s/{token}/m/{grant[:-2]}xx/original.mp4")
    assert forged.status_code == 404 and "Location" not in forged.headers
    (share_id,) = share_ids(auth, public_id)
    assert api(auth, "DELETE", f"/api/videos/{public_id}/shares/{share_id}").status_code == 204
    for path in ("original.mp4", f"hls/{folder}/{segment}", f"hls/{folder}/init.mp4"):
        answer = viewer.get(base + path)
        assert answer.status_code == 404 and "Location" not in answer.headers, path
