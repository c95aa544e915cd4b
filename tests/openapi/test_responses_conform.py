"""Real answers to the main API calls, each checked against the served OpenAPI document.

Status, required headers and their values, and every JSON body against its schema.
"""

from __future__ import annotations

import base64
import hashlib
import io
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from tests.support.accounts import ApiUser, make_api_user
from tests.support.conformance import Conformance
from tests.support.tus import OCTETS, TUS_RESUMABLE, UPLOADS, Tus, b64
from vidstream import current
from vidstream.extensions import db
from vidstream.models import Upload
from vidstream.models.base import utcnow
from vidstream.services.upload.tus.partial import locked_partial

OCTETS_BODY = {"Content-Type": OCTETS}
VIDEO = "/api/videos/{public_id}"
UPLOAD = "/api/uploads/{upload_id}"


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


def conforming_tus(client: FlaskClient, user: ApiUser, conformance: Conformance) -> Tus:
    """A tus client for ``user`` whose every answer is checked against the document."""

    def check(method: str, url: str, response: Any) -> None:
        conformance.check(method, UPLOADS if url == UPLOADS else UPLOAD, response)

    return Tus(client, user.bearer, observe=check)


@pytest.fixture
def tus(client: FlaskClient, api_user: ApiUser, conformance: Conformance) -> Tus:
    return conforming_tus(client, api_user, conformance)


def test_tus_upload_from_discovery_to_video(
    client: FlaskClient, tus: Tus, conformance: Conformance, sample_mp4: Path
) -> None:
    for path, url in (("/api/uploads/", "/api/uploads/"), (UPLOAD, "/api/uploads/x")):
        conformance.check("OPTIONS", path, client.options(url))
    data = sample_mp4.read_bytes()
    created = tus.create(len(data), f"filename {b64('a.mp4')}")
    assert created.status_code == 201
    url = created.headers["Location"]
    assert tus.head(url).status_code == 200

    assert tus.patch(url, 5, data[:10]).status_code == 409
    wrong = base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    assert tus.patch(url, 0, data[:10], **{"Upload-Checksum": f"sha256 {wrong}"}).status_code == 460
    assert tus.send("PATCH", url, {"Upload-Offset": "0"}).status_code == 415
    assert tus.patch(url, 0, data[:1000]).status_code == 204
    last = tus.patch(url, 1000, data[1000:])
    assert last.status_code == 204
    assert last.headers["Upload-Video-Id"]
    done = tus.head(url)
    assert done.headers["Upload-Video-Id"] == last.headers["Upload-Video-Id"]
    assert tus.send("POST", url, {"X-HTTP-Method-Override": "HEAD"}).status_code == 200
    assert tus.send("POST", url).status_code == 405
    assert tus.delete(url).status_code == 204
    assert tus.head(url).status_code == 404


def test_tus_refusals(app: Flask, client: FlaskClient, tus: Tus, conformance: Conformance) -> None:
    check = conformance.check
    check("POST", UPLOADS, client.post(UPLOADS, headers=TUS_RESUMABLE))
    assert tus.create(10, headers={"Tus-Resumable": "0.2.2"}).status_code == 412
    assert tus.create(10, "filename not-base64!").status_code == 400
    assert tus.create(10, headers={"Upload-Defer-Length": "1"}).status_code == 400
    assert tus.create(current.settings(app).max_upload_bytes + 1).status_code == 413
    assert tus.create(4, data=b"12345", headers=OCTETS_BODY).status_code == 413
    assert tus.create(12, data=b"\x00\x00\x00\x0cnotanmp4", headers=OCTETS_BODY).status_code == 415
    fake = b"\x00\x00\x00\x14ftypisom\x00\x00\x02\x00isom" + b"\x00" * 64
    assert tus.create(len(fake), data=fake, headers=OCTETS_BODY).status_code == 422

    url = tus.create(100).headers["Location"]
    upload_id = url.rsplit("/", 1)[1]
    with app.test_request_context(), locked_partial(upload_id):
        assert tus.patch(url, 0, b"x").status_code == 423
    other = conforming_tus(client, make_api_user(app, "mallory"), conformance)
    assert other.head(url).status_code == 404
    with app.app_context():
        db.session.execute(
            update(Upload)
            .where(Upload.public_id == upload_id)
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )
        db.session.commit()
    assert tus.head(url).status_code == 410
    assert tus.patch(url, 0, b"x").status_code == 410
    assert tus.delete(url).status_code == 410


@pytest.mark.parametrize("settings_overrides", [{"limit_api_user": "2/minute"}])
def test_rate_limited_calls(
    client: FlaskClient, api_user: ApiUser, conformance: Conformance
) -> None:
    answers = [client.get("/api/videos", headers=api_user.bearer) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    conformance.check("GET", "/api/videos", answers[-1])


def test_account_and_audit_calls(
    app: Flask,
    client: FlaskClient,
    api_user: ApiUser,
    conformance: Conformance,
    sample_mp4: Path,
) -> None:
    check = conformance.check
    api_user.browser.upload(sample_mp4)
    activity = client.get("/api/account/activity", headers=api_user.bearer)
    check("GET", "/api/account/activity", activity)
    audit = client.get("/api/admin/audit?user=alice&since=2020-01-01", headers=api_user.bearer)
    check("GET", "/api/admin/audit", audit)
    assert audit.get_json()["events"]
    check(
        "GET", "/api/admin/audit", client.get("/api/admin/audit?since=x", headers=api_user.bearer)
    )
    member = make_api_user(app, "sam")
    check("GET", "/api/admin/audit", client.get("/api/admin/audit", headers=member.bearer))
    export = client.get("/api/account/export", headers=api_user.bearer)
    check("GET", "/api/account/export", export)
    check("GET", "/api/account/export", client.get("/api/account/export"))
    for body in (None, {"password": "wrong"}):
        check(
            "DELETE",
            "/api/account",
            client.delete("/api/account", json=body, headers=member.bearer),
        )
    check("DELETE", "/api/account", client.delete("/api/account", json={"password": "x"}))
    last = client.delete(
        "/api/account", json={"password": "correct horse"}, headers=api_user.bearer
    )
    assert last.status_code == 409
    check("DELETE", "/api/account", last)
    gone = client.delete("/api/account", json={"password": "correct horse"}, headers=member.bearer)
    assert gone.status_code == 204
    check("DELETE", "/api/account", gone)


def test_caption_calls(
    app: Flask, client: FlaskClient, api_user: ApiUser, conformance: Conformance, sample_mp4: Path
) -> None:
    check = conformance.check
    video_id = api_user.browser.upload(sample_mp4, json=True).get_json()["video"]["id"]
    captions, one = f"{VIDEO}/captions", f"{VIDEO}/captions/{{language}}"
    srt = b"1\n00:00:01,000 --> 00:00:02,000\nHi\n"

    def send(data: bytes, language: str = "en") -> Any:
        form = {"file": (io.BytesIO(data), "a.srt"), "language": language, "label": "English"}
        return client.post(f"/api/videos/{video_id}/captions", data=form, headers=api_user.bearer)

    for data, status in ((srt, 201), (srt, 200), (b"\x00", 415), (b"WEBVTT\n", 422)):
        answer = send(data)
        assert answer.status_code == status
        check("POST", captions, answer)
    check("POST", captions, send(srt, language="not a tag"))
    check("GET", VIDEO, client.get(f"/api/videos/{video_id}", headers=api_user.bearer))
    path = f"/api/videos/{video_id}/captions/en"
    stranger = make_api_user(app, "mallory")
    check("DELETE", one, client.delete(path, headers=stranger.bearer))
    gone = client.delete(path, headers=api_user.bearer)
    assert gone.status_code == 204
    check("DELETE", one, gone)
    check("DELETE", one, client.delete(path, headers=api_user.bearer))
