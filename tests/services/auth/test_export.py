"""Export my data: a streamed ZIP that Python's zipfile opens, every original byte for byte."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from flask import Flask

from tests.support.accounts import AuthActions, make_api_user
from vidstream import current


def test_the_export_holds_the_details_the_originals_and_the_captions(
    app: Flask, sample_mp4: Path, tmp_path: Path
) -> None:
    alice = AuthActions(app.test_client())
    alice.signup("alice")
    ids = [alice.upload(sample_mp4, json=True).get_json()["video"]["id"] for _ in range(2)]
    headers = {"X-CSRFToken": alice.csrf()}
    alice.client.patch(f"/api/videos/{ids[0]}", json={"tags": ["sea", "trip"]}, headers=headers)
    collection = alice.client.post("/api/collections", json={"name": "Trips"}, headers=headers)
    alice.client.put(
        f"/api/collections/{collection.get_json()['collection']['id']}/videos",
        json={"videos": ids},
        headers=headers,
    )
    caption = tmp_path / "en.vtt"
    caption.write_text("WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n")
    with app.app_context():
        current.storage().put_file(f"videos/{ids[0]}/captions/en.vtt", caption)

    response = alice.client.get("/account/export")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.mimetype == "application/zip"
    disposition = response.headers["Content-Disposition"]
    assert (
        disposition.startswith('attachment; filename="vidstream-alice-') and ".zip" in disposition
    )
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    assert archive.testzip() is None
    for public_id in ids:
        entry = archive.getinfo(f"videos/{public_id}/original.mp4")
        assert entry.compress_type == zipfile.ZIP_STORED
        assert archive.read(entry) == sample_mp4.read_bytes()
    assert archive.read(f"videos/{ids[0]}/captions/en.vtt") == caption.read_bytes()
    assert archive.getinfo("account.json").compress_type == zipfile.ZIP_DEFLATED
    document = json.loads(archive.read("account.json"))
    assert document["account"]["username"] == "alice"
    videos = {v["id"]: v for v in document["videos"]}
    assert videos[ids[0]]["tags"] == ["sea", "trip"]
    assert videos[ids[0]]["captions"] == [f"videos/{ids[0]}/captions/en.vtt"]
    assert document["collections"][0]["videos"] == ids


def test_a_token_exports_its_own_account_and_nobody_elses(app: Flask, sample_mp4: Path) -> None:
    api = make_api_user(app, "sam")
    api.browser.upload(sample_mp4)
    other = make_api_user(app, "eve")
    client = app.test_client()
    mine = zipfile.ZipFile(io.BytesIO(client.get("/api/account/export", headers=api.bearer).data))
    theirs = client.get("/api/account/export", headers=other.bearer).data
    assert len([n for n in mine.namelist() if n.endswith("original.mp4")]) == 1
    assert zipfile.ZipFile(io.BytesIO(theirs)).namelist() == ["account.json"]
    assert client.get("/api/account/export").status_code == 401
    assert client.get("/account/export").status_code in (302, 401)
