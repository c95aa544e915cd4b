"""Real answers to the main API calls, each checked against the served OpenAPI document.

Status, required headers and their values, and every JSON body against its schema.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from tests.api.conformance import Conformance
from tests.api.conftest import ApiUser, make_api_user
from vidstream import current
from vidstream.extensions import db
from vidstream.models import Upload
from vidstream.models.base import utcnow
from vidstream.services.upload.tus.partial import locked_partial

TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = {"Content-Type": "application/offset+octet-stream"}
VIDEO = "/api/videos/{public_id}"
UPLOAD = "/api/uploads/{upload_id}"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_session_and_video_calls(
    app: Flask,
    client: FlaskClient,
    api_user: ApiUser,
    conformance: Conformance,
    sample_mp4: Path,
) -> None:
    check = conformance.check
    browser = api_user.browser
    for caller in ({}, api_user.bearer):
        answer = client.get("/api/session", headers=caller)
        check("GET", "/api/session", answer)
    assert answer.get_json()["user"] == {"username": "alice"}
    check("GET", "/api/session", browser.client.get("/api/session"))
    check("GET", "/api/openapi.json", client.get("/api/openapi.json"))

    check("GET", "/api/videos", client.get("/api/videos"))
    refused = client.get("/api/videos", headers={"Authorization": "Bearer vs_revoked"})
    assert refused.status_code == 401
    check("GET", "/api/videos", refused)
    assert "invalid_token" in refused.headers["WWW-Authenticate"]

    video_id = browser.upload(sample_mp4, json=True).get_json()["video"]["id"]
    listing = client.get("/api/videos", headers=api_user.bearer)
    check("GET", "/api/videos", listing)
    assert [v["id"] for v in listing.get_json()["videos"]] == [video_id]
    one = browser.client.get(f"/api/videos/{video_id}")
    check("GET", VIDEO, one)
    assert one.get_json()["video"]["urls"]["original"] == f"/media/{video_id}/original.mp4"
    stranger = make_api_user(app, "mallory")
    check("GET", VIDEO, client.get(f"/api/videos/{video_id}", headers=stranger.bearer))

    anonymous = client.delete(f"/api/videos/{video_id}")
    assert anonymous.status_code == 401
    check("DELETE", VIDEO, anonymous)
    without_csrf = browser.client.delete(f"/api/videos/{video_id}")
    assert without_csrf.get_json()["error"]["code"] == "csrf_failed"
    check("DELETE", VIDEO, without_csrf)
    gone = browser.client.delete(f"/api/videos/{video_id}", headers={"X-CSRFToken": browser.csrf()})
    assert gone.status_code == 204
    check("DELETE", VIDEO, gone)
    check("DELETE", VIDEO, client.delete(f"/api/videos/{video_id}", headers=api_user.bearer))
    check("GET", VIDEO, client.get(f"/api/videos/{video_id}", headers=api_user.bearer))


class TusCalls:
    """Sends tus requests as one user and checks every answer against the document."""

    def __init__(self, client: FlaskClient, user: ApiUser, conformance: Conformance) -> None:
        self.client = client
        self.auth = {**user.bearer, **TUS}
        self.check = conformance.check

    def send(self, method: str, path: str, url: str, **headers: str) -> Any:
        data = headers.pop("data", b"")
        response = self.client.open(url, method=method, headers={**self.auth, **headers}, data=data)
        self.check(method, path, response)
        return response

    def create(self, length: int, **headers: Any) -> Any:
        headers["Upload-Length"] = str(length)
        return self.send("POST", "/api/uploads/", "/api/uploads/", **headers)

    def patch(self, url: str, offset: int, data: bytes, **headers: str) -> Any:
        return self.send(
            "PATCH", UPLOAD, url, data=data, **OCTETS, **{"Upload-Offset": str(offset)}, **headers
        )


@pytest.fixture
def tus(client: FlaskClient, api_user: ApiUser, conformance: Conformance) -> TusCalls:
    return TusCalls(client, api_user, conformance)


def test_tus_upload_from_discovery_to_video(
    client: FlaskClient, tus: TusCalls, conformance: Conformance, sample_mp4: Path
) -> None:
    for path, url in (("/api/uploads/", "/api/uploads/"), (UPLOAD, "/api/uploads/x")):
        conformance.check("OPTIONS", path, client.options(url))
    data = sample_mp4.read_bytes()
    created = tus.create(len(data), **{"Upload-Metadata": f"filename {_b64('a.mp4')}"})
    assert created.status_code == 201
    url = created.headers["Location"]
    assert tus.send("HEAD", UPLOAD, url).status_code == 200

    assert tus.patch(url, 5, data[:10]).status_code == 409
    wrong = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    assert tus.patch(url, 0, data[:10], **{"Upload-Checksum": f"sha256 {wrong}"}).status_code == 460
    assert tus.send("PATCH", UPLOAD, url, **{"Upload-Offset": "0"}).status_code == 415
    assert tus.patch(url, 0, data[:1000]).status_code == 204
    last = tus.patch(url, 1000, data[1000:])
    assert last.status_code == 204
    assert last.headers["Upload-Video-Id"]
    done = tus.send("HEAD", UPLOAD, url)
    assert done.headers["Upload-Video-Id"] == last.headers["Upload-Video-Id"]
    assert tus.send("POST", UPLOAD, url, **{"X-HTTP-Method-Override": "HEAD"}).status_code == 200
    assert tus.send("POST", UPLOAD, url).status_code == 405
    assert tus.send("DELETE", UPLOAD, url).status_code == 204
    assert tus.send("HEAD", UPLOAD, url).status_code == 404


def test_tus_refusals(
    app: Flask, client: FlaskClient, tus: TusCalls, conformance: Conformance
) -> None:
    check = conformance.check
    check("POST", "/api/uploads/", client.post("/api/uploads/", headers=TUS))
    assert tus.create(10, **{"Tus-Resumable": "0.2.2"}).status_code == 412
    assert tus.create(10, **{"Upload-Metadata": "filename not-base64!"}).status_code == 400
    assert tus.create(10, **{"Upload-Defer-Length": "1"}).status_code == 400
    assert tus.create(current.settings(app).max_upload_bytes + 1).status_code == 413
    assert tus.create(4, data=b"12345", **OCTETS).status_code == 413
    assert tus.create(12, data=b"\x00\x00\x00\x0cnotanmp4", **OCTETS).status_code == 415
    fake = b"\x00\x00\x00\x14ftypisom\x00\x00\x02\x00isom" + b"\x00" * 64
    assert tus.create(len(fake), data=fake, **OCTETS).status_code == 422

    url = tus.create(100).headers["Location"]
    upload_id = url.rsplit("/", 1)[1]
    with app.test_request_context(), locked_partial(upload_id):
        assert tus.patch(url, 0, b"x").status_code == 423
    other = TusCalls(client, make_api_user(app, "mallory"), conformance)
    assert other.send("HEAD", UPLOAD, url).status_code == 404
    with app.app_context():
        db.session.execute(
            update(Upload)
            .where(Upload.public_id == upload_id)
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
        db.session.commit()
    assert tus.send("HEAD", UPLOAD, url).status_code == 410
    assert tus.patch(url, 0, b"x").status_code == 410
    assert tus.send("DELETE", UPLOAD, url).status_code == 410


@pytest.mark.parametrize("settings_overrides", [{"limit_api_user": "2/minute"}])
def test_rate_limited_calls(
    client: FlaskClient, api_user: ApiUser, conformance: Conformance
) -> None:
    answers = [client.get("/api/videos", headers=api_user.bearer) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    conformance.check("GET", "/api/videos", answers[-1])
