"""The upload service: validation, limits, and nothing half-written left behind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests.support.accounts import AuthActions
from tests.support.media import make_audio_only_mp4
from vidstream import current
from vidstream.extensions import db
from vidstream.models import Video, VideoStatus


def _state(app: Flask) -> tuple[int, list[str], list[str]]:
    """(video rows, stored keys, staging files) — what an upload may leave behind."""
    settings = current.settings(app)
    with app.app_context():
        rows = db.session.scalar(select(func.count()).select_from(Video)) or 0
    keys = current.storage(app).list_keys("")
    staged = [p.name for p in settings.staging_dir.iterdir()]
    return rows, keys, staged


def test_upload_form_requires_sign_in(client: Any) -> None:
    response = client.get("/upload")
    assert response.status_code == 302
    assert "/signin?next=" in response.headers["Location"]


def test_upload_stores_file_and_probe_results(
    app: Flask, auth: AuthActions, sample_mp4: Path
) -> None:
    auth.signup()
    assert auth.client.get("/upload").status_code == 200
    response = auth.upload(sample_mp4, name="My Holiday.mp4")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/stream")
    with app.app_context():
        video = db.session.scalars(select(Video)).one()
        assert video.title == "My Holiday"
        assert video.original_filename == "My Holiday.mp4"
        assert video.size_bytes == sample_mp4.stat().st_size
        assert (video.width, video.height) == (320, 240)
        assert video.video_codec == "h264" and video.audio_codec == "aac"
        assert video.duration_seconds == pytest.approx(2.0, abs=0.2)
        assert video.status is VideoStatus.READY_ORIGINAL
        assert len(video.public_id) >= 20 and video.public_id != str(video.id)
        key = video.original_key
    assert key.startswith("videos/") and key.endswith("/original.mp4")
    stored = current.storage(app).path(key)
    assert stored.read_bytes() == sample_mp4.read_bytes()
    assert _state(app)[2] == []


def test_upload_json_answer(auth: AuthActions, sample_mp4: Path) -> None:
    auth.signup()
    response = auth.upload(sample_mp4, title="  Custom title  ", json=True)
    assert response.status_code == 201
    video = response.get_json()["video"]
    assert video["title"] == "Custom title"
    assert "storage_key" not in video and "owner_id" not in video


@pytest.mark.parametrize(
    "evil_name",
    ["../../etc/passwd.mp4", "/abs/path/clip.mp4", "C:\\Users\\x\\clip.mp4", "nul\x00byte.mp4",
     "x" * 10_000 + ".mp4", "\u202egnp.mp4", "🎬 clip.mp4"],
)  # fmt: skip
def test_file_names_are_data_only(
    app: Flask, auth: AuthActions, sample_mp4: Path, evil_name: str
) -> None:
    auth.signup()
    response = auth.upload(sample_mp4, name=evil_name, json=True)
    assert response.status_code == 201, response.get_json()
    video = response.get_json()["video"]
    assert "/" not in video["original_filename"] and "\\" not in video["original_filename"]
    assert "\x00" not in video["original_filename"] and "\u202e" not in video["original_filename"]
    assert len(video["original_filename"]) <= 255
    keys = current.storage(app).list_keys("")
    assert keys == [f"videos/{video['id']}/original.mp4"]


def _fake(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


@pytest.mark.parametrize(
    ("kind", "status", "message"),
    [
        ("text", 415, b"not a video vidstream can read"),
        ("empty", 422, b"empty"),
        ("truncated", 422, b"incomplete"),
        ("audio_only", 415, b"no video track"),
        ("ftyp_only", 422, b"damaged or incomplete"),
    ],
)
def test_bad_media_is_rejected_and_leaves_nothing(
    app: Flask,
    auth: AuthActions,
    tmp_path: Path,
    sample_mp4: Path,
    kind: str,
    status: int,
    message: bytes,
) -> None:
    files = {
        "text": lambda: _fake(tmp_path, "notes.mp4", b"hello, this is not a video\n" * 100),
        "empty": lambda: _fake(tmp_path, "empty.mp4", b""),
        "truncated": lambda: _fake(tmp_path, "cut.mp4", sample_mp4.read_bytes()[:4000]),
        "audio_only": lambda: make_audio_only_mp4(tmp_path / "sound.mp4"),
        "ftyp_only": lambda: _fake(
            tmp_path, "hdr.mp4", b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
        ),
    }
    auth.signup()
    response = auth.upload(files[kind]())
    assert response.status_code == status
    assert message in response.data
    json_response = auth.upload(files[kind](), json=True)
    assert json_response.status_code == status
    assert json_response.get_json()["error"]["message"]
    assert _state(app) == (0, [], [])


def test_missing_file_field(auth: AuthActions) -> None:
    auth.signup()
    response = auth.client.post("/upload", data={"csrf_token": auth.csrf()})
    assert response.status_code == 400
    assert b"Choose a video file to upload." in response.data


def test_upload_needs_csrf(auth: AuthActions, sample_mp4: Path, app: Flask) -> None:
    auth.signup()
    with open(sample_mp4, "rb") as fh:
        response = auth.client.post("/upload", data={"filename": (fh, "a.mp4")})
    assert response.status_code == 400
    assert _state(app)[:2] == (0, [])


@pytest.mark.parametrize("settings_overrides", [{"max_upload_bytes": 10_000}])
def test_upload_too_large_is_413(
    app: Flask, auth: AuthActions, sample_mp4: Path, tmp_path: Path
) -> None:
    auth.signup()
    big = _fake(tmp_path, "big.mp4", sample_mp4.read_bytes() + b"\0" * 2_000_000)
    assert auth.upload(big).status_code == 413
    small_but_over = _fake(tmp_path, "over.mp4", sample_mp4.read_bytes()[:20_000])
    response = auth.upload(small_but_over, json=True)
    assert response.status_code == 413
    assert "largest upload allowed" in response.get_json()["error"]["message"]
    assert _state(app) == (0, [], [])


@pytest.mark.parametrize("settings_overrides", [{"user_quota_bytes": 300_000}])
def test_quota_is_enforced_per_user(app: Flask, auth: AuthActions, sample_mp4: Path) -> None:
    size = sample_mp4.stat().st_size
    assert size < 300_000 < 2 * size, size
    auth.signup()
    assert auth.upload(sample_mp4).status_code == 303
    response = auth.upload(sample_mp4, json=True)
    assert response.status_code == 413
    assert "quota" in response.get_json()["error"]["message"]
    other = AuthActions(app.test_client())
    other.signup("bob")
    assert other.upload(sample_mp4).status_code == 303
    assert _state(app)[0] == 2


def test_failed_commit_leaves_no_file(
    app: Flask, auth: AuthActions, sample_mp4: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth.signup()

    def broken_commit() -> None:
        raise RuntimeError("database went away")

    with app.app_context():
        monkeypatch.setattr(db.session, "commit", broken_commit)
        response = auth.upload(sample_mp4)
    assert response.status_code == 500
    assert b"Traceback" not in response.data
    monkeypatch.undo()
    assert _state(app) == (0, [], [])


def test_body_streams_to_staging_on_disk(app: Flask, auth: AuthActions, sample_mp4: Path) -> None:
    """The file part is written to a staging file, not held in a BytesIO in memory."""
    seen: list[str] = []
    from vidstream.services.upload import logic

    original = logic.accept_upload

    def spy(user_id: int, staged: Path, filename: str | None, title: str | None) -> Any:
        seen.append(str(staged))
        assert staged.parent == current.settings(app).staging_dir
        assert staged.stat().st_size == sample_mp4.stat().st_size
        return original(user_id, staged, filename, title)

    import vidstream.services.upload.routes as routes

    routes.accept_upload = spy  # type: ignore[assignment]
    try:
        auth.signup()
        assert auth.upload(sample_mp4).status_code == 303
    finally:
        routes.accept_upload = original
    assert len(seen) == 1 and not Path(seen[0]).exists()


def test_anonymous_upload_is_refused_before_the_body_is_read(app: Flask, sample_mp4: Path) -> None:
    client = app.test_client()
    with open(sample_mp4, "rb") as fh:
        response = client.post(
            "/upload", data={"filename": (fh, "a.mp4")}, headers={"Accept": "application/json"}
        )
    assert response.status_code == 401
    assert _state(app) == (0, [], [])


@pytest.mark.parametrize("settings_overrides", [{"user_quota_bytes": 300_000}])
def test_declared_size_over_quota_is_refused_up_front(app: Flask, auth: AuthActions) -> None:
    auth.signup()
    response = auth.client.post(
        "/upload",
        data=b"x" * 10,
        content_type="multipart/form-data; boundary=x",
        environ_overrides={"CONTENT_LENGTH": "5000000"},
    )
    assert response.status_code == 413
    assert b"quota" in response.data
