"""tus 1.0.0 conformance of /api/uploads/: every status code, every extension, ownership."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from tests.support.accounts import AuthActions
from tests.support.tus import OCTETS, TUS_RESUMABLE, Tus, b64
from vidstream import current
from vidstream.extensions import db
from vidstream.models import Upload, Video
from vidstream.models.base import utcnow
from vidstream.services.upload.tus import partial as tus_partial
from vidstream.services.upload.tus.partial import locked_partial, partial_path


@pytest.fixture
def tus(app: Flask) -> Tus:
    return Tus.with_token(app, "alice")


def _leftovers(app: Flask) -> tuple[int, int, list[str], list[str]]:
    """(upload rows, video rows, stored keys, partial files)."""
    settings = current.settings(app)
    with app.app_context():
        uploads = db.session.scalar(select(func.count()).select_from(Upload)) or 0
        videos = db.session.scalar(select(func.count()).select_from(Video)) or 0
    folder = settings.staging_dir / "tus"
    partials = sorted(p.name for p in folder.iterdir()) if folder.exists() else []
    return uploads, videos, current.storage(app).list_keys(""), partials


def _partial_bytes(app: Flask, url: str) -> bytes:
    return partial_path(current.settings(app), url.rsplit("/", 1)[1]).read_bytes()


def _row(app: Flask, url: str) -> Upload:
    with app.app_context():
        upload = db.session.scalar(select(Upload).where(Upload.public_id == url.rsplit("/", 1)[1]))
        assert upload is not None
        db.session.expunge(upload)
        return upload


def test_options_discovers_capabilities_without_sign_in(client: FlaskClient, settings: Any) -> None:
    for path in ("/api/uploads/", "/api/uploads/anything"):
        response = client.options(path)
        assert response.status_code == 204
        assert response.headers["Tus-Resumable"] == "1.0.0"
        assert response.headers["Tus-Version"] == "1.0.0"
        extensions = response.headers["Tus-Extension"].split(",")
        assert {"creation", "creation-with-upload", "termination", "expiration", "checksum"} <= set(
            extensions
        )
        assert int(response.headers["Tus-Max-Size"]) == settings.max_upload_bytes
        assert "sha1" in response.headers["Tus-Checksum-Algorithm"].split(",")


@pytest.mark.parametrize("version", [None, "0.2.2", "2.0.0"])
def test_unsupported_version_is_412(tus: Tus, version: str | None) -> None:
    headers = {k: v for k, v in tus.auth.items() if k != "Tus-Resumable"}
    if version:
        headers["Tus-Resumable"] = version
    url = tus.new(10)
    for method in ("post", "head", "patch", "delete"):
        target = "/api/uploads/" if method == "post" else url
        response = getattr(tus.client, method)(target, headers={**headers, "Upload-Length": "5"})
        assert response.status_code == 412, method
        assert response.headers["Tus-Version"] == "1.0.0"
        assert response.headers["Tus-Resumable"] == "1.0.0"
    assert tus.head(url).status_code == 200


def test_requests_without_a_user_get_401(tus: Tus, client: FlaskClient) -> None:
    url = tus.new(10)
    for method, target in (
        ("post", "/api/uploads/"),
        ("head", url),
        ("patch", url),
        ("delete", url),
    ):
        response = getattr(client, method)(target, headers={**TUS_RESUMABLE, "Upload-Length": "5"})
        assert response.status_code == 401, method
        assert response.headers["Tus-Resumable"] == "1.0.0"
    bad = {**TUS_RESUMABLE, "Authorization": "Bearer vs_not-a-real-token"}
    response = client.head(url, headers=bad)
    assert response.status_code == 401
    assert "invalid_token" in response.headers["WWW-Authenticate"]


def test_creation_then_patches_make_a_video(app: Flask, tus: Tus, sample_mp4: Path) -> None:
    data = sample_mp4.read_bytes()
    metadata = (
        f"filename {b64('Été à Paris.mp4')},filetype {b64('video/mp4')},title {b64('Summer')}"
    )
    created = tus.create(len(data), metadata)
    assert created.status_code == 201
    url = created.headers["Location"]
    assert url.startswith("/api/uploads/") and "Paris" not in url
    assert created.headers["Upload-Offset"] == "0"
    assert created.headers["Upload-Expires"].endswith("GMT")
    head = tus.head(url)
    assert head.status_code == 200
    assert head.headers["Upload-Offset"] == "0"
    assert head.headers["Upload-Length"] == str(len(data))
    assert head.headers["Cache-Control"] == "no-store"
    pairs = dict(p.split(" ") for p in head.headers["Upload-Metadata"].split(","))
    assert base64.b64decode(pairs["filename"]).decode() == "Été à Paris.mp4"
    assert base64.b64decode(pairs["title"]).decode() == "Summer"

    half = len(data) // 2
    first = tus.patch(url, 0, data[:half])
    assert first.status_code == 204
    assert first.headers["Upload-Offset"] == str(half)
    assert "Upload-Video-Id" not in first.headers
    assert tus.head(url).headers["Upload-Offset"] == str(half)
    last = tus.patch(url, half, data[half:])
    assert last.status_code == 204, last.get_json()
    assert last.headers["Upload-Offset"] == str(len(data))
    video_id = last.headers["Upload-Video-Id"]
    assert last.headers["Upload-Video-Url"] == f"/stream/{video_id}"

    api = tus.client.get(f"/api/videos/{video_id}", headers=tus.auth).get_json()["video"]
    assert api["title"] == "Summer"
    assert api["original_filename"] == "Été à Paris.mp4"
    stored = current.storage(app).path(f"videos/{video_id}/original.mp4")
    assert stored.read_bytes() == data
    after = tus.head(url)
    assert after.status_code == 200
    assert after.headers["Upload-Offset"] == str(len(data))
    assert after.headers["Upload-Video-Id"] == video_id
    assert _leftovers(app)[1:] == (1, [f"videos/{video_id}/original.mp4"], [])


def test_creation_with_upload(app: Flask, tus: Tus, sample_mp4: Path) -> None:
    data = sample_mp4.read_bytes()
    headers = {"Content-Type": OCTETS}
    partial = tus.create(len(data), None, data=data[:1000], headers=headers)
    assert partial.status_code == 201
    assert partial.headers["Upload-Offset"] == "1000"
    assert tus.patch(partial.headers["Location"], 1000, data[1000:]).status_code == 204
    whole = tus.create(len(data), f"filename {b64('a.mp4')}", data=data, headers=headers)
    assert whole.status_code == 201
    assert whole.headers["Upload-Offset"] == str(len(data))
    assert whole.headers["Upload-Video-Id"]
    too_long = tus.create(10, None, data=b"x" * 11, headers=headers)
    assert too_long.status_code == 413
    assert _leftovers(app)[:2] == (2, 2)


def test_patch_needs_the_offset_content_type(tus: Tus) -> None:
    url = tus.new(10)
    for content_type in ("application/octet-stream", "text/plain", ""):
        response = tus.patch(url, 0, b"12345", **{"Content-Type": content_type})
        assert response.status_code == 415
    assert tus.head(url).headers["Upload-Offset"] == "0"


def test_offset_mismatch_is_409(tus: Tus) -> None:
    url = tus.new(10)
    assert tus.patch(url, 0, b"12345").status_code == 204
    for wrong in (0, 3, 6, 10):
        response = tus.patch(url, wrong, b"6")
        assert response.status_code == 409, wrong
    assert tus.head(url).headers["Upload-Offset"] == "5"


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Upload-Length": "-1"}, 400),
        ({"Upload-Length": "ten"}, 400),
        ({"Upload-Defer-Length": "1"}, 400),
        ({"Upload-Length": "10", "Upload-Metadata": "filename !!notbase64"}, 400),
        ({"Upload-Length": "10", "Upload-Metadata": "a YQ==,a YQ=="}, 400),
    ],
)
def test_malformed_creation_is_400(
    app: Flask, tus: Tus, headers: dict[str, str], status: int
) -> None:
    response = tus.send("POST", "/api/uploads/", headers)
    assert response.status_code == status
    assert _leftovers(app)[0] == 0


def test_malformed_patch_is_400(tus: Tus) -> None:
    url = tus.new(10)
    assert tus.patch(url, 0, b"1", **{"Upload-Offset": "x"}).status_code == 400
    assert tus.patch(url, 0, b"1", **{"Upload-Checksum": "crc99 AAAA"}).status_code == 400
    assert tus.patch(url, 0, b"1", **{"Upload-Checksum": "sha1 ***"}).status_code == 400
    assert tus.patch(url, 0, b"12345678901").status_code == 413
    assert tus.head(url).headers["Upload-Offset"] == "0"


def test_unknown_upload_is_404(tus: Tus) -> None:
    for method in ("head", "delete"):
        response = getattr(tus, method)("/api/uploads/doesNotExist")
        assert response.status_code == 404
    assert tus.patch("/api/uploads/doesNotExist", 0, b"1").status_code == 404


def test_other_users_cannot_see_or_touch_an_upload(app: Flask, tus: Tus) -> None:
    url = tus.new(10)
    assert tus.patch(url, 0, b"12345").status_code == 204
    mallory = Tus.with_token(app, "mallory")
    assert mallory.head(url).status_code == 404
    assert mallory.patch(url, 5, b"evil!").status_code == 404
    assert mallory.delete(url).status_code == 404
    override = {"X-HTTP-Method-Override": "DELETE"}
    assert mallory.send("POST", url, override).status_code == 404
    assert tus.head(url).headers["Upload-Offset"] == "5"
    assert _partial_bytes(app, url) == b"12345"


def test_expired_upload_is_410_then_collected(app: Flask, tus: Tus) -> None:
    from vidstream.services.upload.tus.uploads import collect_expired_uploads

    url = tus.new(10)
    assert tus.patch(url, 0, b"12345").status_code == 204
    public_id = url.rsplit("/", 1)[1]
    with app.app_context():
        db.session.execute(
            update(Upload)
            .where(Upload.public_id == public_id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    assert tus.head(url).status_code == 410
    assert tus.patch(url, 5, b"67890").status_code == 410
    with app.app_context():
        assert collect_expired_uploads() == 1
    assert tus.head(url).status_code == 404
    assert _leftovers(app) == (0, 0, [], [])


def test_expiry_moves_with_activity(app: Flask, tus: Tus) -> None:
    url = tus.new(10)
    before = _row(app, url).expires_at
    hours = current.settings(app).upload_expiry_hours
    assert (
        timedelta(hours=hours) - timedelta(minutes=1) < before - utcnow() <= timedelta(hours=hours)
    )
    assert tus.patch(url, 0, b"1").status_code == 204
    assert _row(app, url).expires_at >= before


def test_termination_deletes_upload_and_bytes(app: Flask, tus: Tus) -> None:
    url = tus.new(10)
    assert tus.patch(url, 0, b"12345").status_code == 204
    assert _leftovers(app)[3] == [url.rsplit("/", 1)[1]]
    assert tus.delete(url).status_code == 204
    assert tus.head(url).status_code == 404
    assert _leftovers(app) == (0, 0, [], [])


def test_method_override(app: Flask, tus: Tus) -> None:
    url = tus.new(4)
    patch = {"X-HTTP-Method-Override": "PATCH", "Upload-Offset": "0", "Content-Type": OCTETS}
    response = tus.send("POST", url, patch, data=b"ab")
    assert response.status_code == 204
    assert response.headers["Upload-Offset"] == "2"
    assert tus.send("POST", url).status_code == 405
    delete = {"X-HTTP-Method-Override": "DELETE"}
    assert tus.send("POST", url, delete).status_code == 204
    assert _leftovers(app)[0] == 0


@pytest.mark.parametrize("algorithm", ["sha1", "sha256", "md5"])
def test_checksum_extension(app: Flask, tus: Tus, algorithm: str) -> None:
    url = tus.new(10)

    def checksum(data: bytes) -> str:
        return f"{algorithm} " + base64.b64encode(hashlib.new(algorithm, data).digest()).decode()

    good = tus.patch(url, 0, b"12345", **{"Upload-Checksum": checksum(b"12345")})
    assert good.status_code == 204
    bad = tus.patch(url, 5, b"67890", **{"Upload-Checksum": checksum(b"67899")})
    assert bad.status_code == 460
    assert tus.head(url).headers["Upload-Offset"] == "5"
    assert _partial_bytes(app, url) == b"12345"


@pytest.mark.parametrize("settings_overrides", [{"max_upload_bytes": 1000}])
def test_too_large_is_413_at_creation(app: Flask, tus: Tus) -> None:
    assert tus.create(1001).status_code == 413
    assert tus.create(1000).status_code == 201
    assert _leftovers(app)[0] == 1


@pytest.mark.parametrize("settings_overrides", [{"user_quota_bytes": 300_000}])
def test_quota_at_creation_counts_unfinished_uploads(app: Flask, tus: Tus) -> None:
    response = tus.create(300_001)
    assert response.status_code == 413
    assert "quota" in response.get_json()["error"]["message"]
    tus.new(200_000)
    response = tus.create(200_000)
    assert response.status_code == 413
    assert "unfinished uploads" in response.get_json()["error"]["message"]
    assert _leftovers(app)[0] == 1


@pytest.mark.parametrize("settings_overrides", [{"user_quota_bytes": 300_000}])
def test_quota_at_the_end_leaves_nothing(app: Flask, tus: Tus, sample_mp4: Path) -> None:
    data = sample_mp4.read_bytes()
    assert len(data) < 300_000 < 2 * len(data)
    url = tus.new(len(data))
    browser = AuthActions(app.test_client())
    browser.signin("alice")
    assert browser.upload(sample_mp4).status_code == 303  # the form does not know about tus
    response = tus.patch(url, 0, data)
    assert response.status_code == 413
    assert "quota" in response.get_json()["error"]["message"]
    uploads, videos, keys, partials = _leftovers(app)
    assert (uploads, videos, len(keys), partials) == (0, 1, 1, [])


@pytest.mark.parametrize(
    ("make", "status"),
    [
        (lambda mp4: b"this is not a video at all\n" * 50, 415),
        (lambda mp4: mp4[:4000], 422),
        (lambda mp4: b"", 422),
    ],
)
def test_invalid_media_at_the_end_leaves_nothing(
    app: Flask, tus: Tus, sample_mp4: Path, make: Any, status: int
) -> None:
    data = make(sample_mp4.read_bytes())
    if data:
        url = tus.new(len(data))
        response = tus.patch(url, 0, data)
    else:
        response = tus.create(0, f"filename {b64('empty.mp4')}")
    assert response.status_code == status
    assert response.get_json()["error"]["message"]
    assert _leftovers(app) == (0, 0, [], [])


def test_partial_file_is_named_by_public_id(app: Flask, tus: Tus, sample_mp4: Path) -> None:
    url = tus.new(10, name="../../../etc/passwd")
    assert tus.patch(url, 0, b"12345").status_code == 204
    public_id = url.rsplit("/", 1)[1]
    assert _leftovers(app)[3] == [public_id]
    assert "passwd" not in public_id


def test_concurrent_writer_gets_423(app: Flask, tus: Tus) -> None:
    url = tus.new(10)
    public_id = url.rsplit("/", 1)[1]
    with app.test_request_context(), locked_partial(public_id):
        assert tus.patch(url, 0, b"12345").status_code == 423
        assert tus.delete(url).status_code == 423
        assert tus.head(url).status_code == 200
    assert tus.patch(url, 0, b"12345").status_code == 204


def test_bytes_a_crash_left_unrecorded_are_cut_off(app: Flask, tus: Tus, sample_mp4: Path) -> None:
    data = sample_mp4.read_bytes()
    url = tus.new(len(data))
    assert tus.patch(url, 0, data[:5000]).status_code == 204
    path = partial_path(current.settings(app), url.rsplit("/", 1)[1])
    with open(path, "ab") as fh:  # a chunk that was half written when the process died
        fh.write(b"\xff" * 3000)
    assert tus.head(url).headers["Upload-Offset"] == "5000"
    assert tus.patch(url, 8000, data[8000:]).status_code == 409
    done = tus.patch(url, 5000, data[5000:])
    assert done.status_code == 204, done.get_json()
    video_id = done.headers["Upload-Video-Id"]
    stored = current.storage(app).path(f"videos/{video_id}/original.mp4")
    assert hashlib.sha256(stored.read_bytes()).digest() == hashlib.sha256(data).digest()


def test_a_lost_partial_file_sends_the_client_back(app: Flask, tus: Tus) -> None:
    url = tus.new(10)
    assert tus.patch(url, 0, b"12345").status_code == 204
    path = partial_path(current.settings(app), url.rsplit("/", 1)[1])
    path.write_bytes(b"12")
    assert tus.head(url).headers["Upload-Offset"] == "2"
    assert tus.patch(url, 5, b"6").status_code == 409
    assert tus.patch(url, 2, b"345").status_code == 204
    assert _row(app, url).offset == 5


class _Breaks:
    """A body announced as ``declared`` bytes that sends ``good`` and then loses the connection."""

    def __init__(self, good: bytes, declared: int) -> None:
        self.good, self.declared, self.position = good, declared, 0

    def tell(self) -> int:  # the test client measures the body with seek/tell
        return self.position

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = self.declared if whence == 2 else offset
        return self.position

    def read(self, size: int = -1) -> bytes:
        if not self.good:
            raise OSError("connection reset by peer")
        piece, self.good = self.good[:size], self.good[size:]
        return piece


def test_progress_is_recorded_while_a_body_streams(
    app: Flask, tus: Tus, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tus_partial, "CHECKPOINT_BYTES", 1000)
    monkeypatch.setattr(tus_partial, "READ_BYTES", 300)
    recorded: list[int] = []
    from vidstream.services.upload.tus import uploads as tus_logic

    original = tus_logic._record_offset

    def spy(upload_id: int, offset: int) -> None:
        path = partial_path(current.settings(app), public_id)
        assert path.stat().st_size >= offset  # never ahead of the disk
        recorded.append(offset)
        original(upload_id, offset)

    monkeypatch.setattr(tus_logic, "_record_offset", spy)
    url = tus.new(10_000)
    public_id = url.rsplit("/", 1)[1]
    headers = {"Upload-Offset": "0", "Content-Type": OCTETS}
    tus.send("PATCH", url, headers, input_stream=_Breaks(b"x" * 4700, 10_000))
    assert recorded == [1000, 2000, 3000, 4000, 4700]
    assert tus.head(url).headers["Upload-Offset"] == "4700"


def test_browser_session_needs_the_csrf_header(app: Flask, auth: AuthActions) -> None:
    auth.signup()
    without, with_csrf = Tus(auth.client, {}), Tus(auth.client, {"X-CSRFToken": auth.csrf()})
    assert without.create(10).status_code == 400
    response = with_csrf.create(10)
    assert response.status_code == 201
    url = response.headers["Location"]
    assert without.patch(url, 0, b"1").status_code == 400
    ok = with_csrf.patch(url, 0, b"1")
    assert ok.status_code == 204
    assert without.head(url).headers["Upload-Offset"] == "1"
