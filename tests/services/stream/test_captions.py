"""Captions through the API and the owner's page: add, replace, list, serve, remove.

Every byte path of a caption (its WebVTT file and its HLS subtitle playlist) is
checked for a stranger, an anonymous client and a revoked link as well as for those
who may watch.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from flask import Flask

from tests.support.accounts import AuthActions
from tests.support.sharing import api, make_link, media_base
from vidstream import current

SRT = (
    b"1\n00:00:00,500 --> 00:00:01,500\nHello <i>there</i>\n\n"
    b"2\n00:00:01,600 --> 00:00:01,900\nBye\n"
)


def send_caption(
    auth: AuthActions, vid: str, data: bytes = SRT, language: str = "en", **fields: str
) -> Any:
    """POST a caption file the way a script with a browser session does."""
    form = {"file": (io.BytesIO(data), "captions.srt"), "language": language, **fields}
    return auth.client.post(
        f"/api/videos/{vid}/captions", data=form, headers={"X-CSRFToken": auth.csrf()}
    )


def uploaded(auth: AuthActions, sample_mp4: Path) -> str:
    """Sign alice up and upload the sample video; its id."""
    auth.signup()
    vid: str = auth.upload(sample_mp4, json=True).get_json()["video"]["id"]
    return vid


def test_a_caption_is_stored_as_webvtt_listed_and_served(
    app: Flask, auth: AuthActions, sample_mp4: Path
) -> None:
    vid = uploaded(auth, sample_mp4)
    answer = send_caption(auth, vid, language="PT-br", label="Português")
    assert answer.status_code == 201, answer.get_json()
    caption = answer.get_json()["caption"]
    assert caption["language"] == "pt-BR"
    assert caption["label"] == "Português"
    assert caption["source"] == "upload"
    assert caption["url"] == f"/media/{vid}/captions/pt-BR.vtt"
    with app.app_context():
        assert current.storage().exists(f"videos/{vid}/captions/pt-BR.vtt")

    video = auth.client.get(f"/api/videos/{vid}").get_json()["video"]
    assert [c["language"] for c in video["captions"]] == ["pt-BR"]
    assert video["urls"]["captions"] == [
        {"language": "pt-BR", "label": "Português", "url": caption["url"]}
    ]

    served = auth.client.get(caption["url"])
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "text/vtt; charset=utf-8"
    text = served.get_data(as_text=True)
    assert text.startswith("WEBVTT\n\n00:00:00.500 --> 00:00:01.500\nHello <i>there</i>\n")
    etag = served.headers["ETag"]
    assert auth.client.get(caption["url"], headers={"If-None-Match": etag}).status_code == 304


def test_replacing_a_language_answers_200_and_changes_the_validator(
    auth: AuthActions, sample_mp4: Path
) -> None:
    vid = uploaded(auth, sample_mp4)
    assert send_caption(auth, vid).status_code == 201
    first = auth.client.get(f"/media/{vid}/captions/en.vtt")
    again = send_caption(auth, vid, SRT.replace(b"Bye", b"Farewell"), label="English")
    assert again.status_code == 200
    assert again.get_json()["caption"]["label"] == "English"
    second = auth.client.get(
        f"/media/{vid}/captions/en.vtt", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert second.status_code == 200
    assert "Farewell" in second.get_data(as_text=True)
    video = auth.client.get(f"/api/videos/{vid}").get_json()["video"]
    assert len(video["captions"]) == 1


def test_removing_a_caption_removes_its_file(
    app: Flask, auth: AuthActions, sample_mp4: Path
) -> None:
    vid = uploaded(auth, sample_mp4)
    send_caption(auth, vid, language="zh-hant")
    assert api(auth, "DELETE", f"/api/videos/{vid}/captions/zh-Hant").status_code == 204
    assert api(auth, "DELETE", f"/api/videos/{vid}/captions/zh-Hant").status_code == 404
    assert auth.client.get(f"/media/{vid}/captions/zh-Hant.vtt").status_code == 404
    with app.app_context():
        assert current.storage().list_keys(f"videos/{vid}/captions/") == []


def test_deleting_the_video_deletes_its_captions(
    app: Flask, auth: AuthActions, sample_mp4: Path
) -> None:
    vid = uploaded(auth, sample_mp4)
    send_caption(auth, vid)
    assert api(auth, "DELETE", f"/api/videos/{vid}").status_code == 204
    with app.app_context():
        assert current.storage().list_keys(f"videos/{vid}/") == []


def test_only_the_owner_may_add_or_remove_captions(
    auth: AuthActions, mallory: AuthActions, sample_mp4: Path
) -> None:
    vid = uploaded(auth, sample_mp4)
    send_caption(auth, vid)
    api(auth, "PATCH", f"/api/videos/{vid}", {"visibility": "public"})
    # Mallory may watch a public video, never manage it.
    assert mallory.client.get(f"/media/{vid}/captions/en.vtt").status_code == 200
    assert send_caption(mallory, vid, language="fr").status_code == 404
    assert api(mallory, "DELETE", f"/api/videos/{vid}/captions/en").status_code == 404
    anonymous = AuthActions(auth.client.application.test_client())
    assert send_caption(anonymous, vid).status_code == 401


def test_strangers_anonymous_and_unknown_languages_get_nothing(
    app: Flask, auth: AuthActions, mallory: AuthActions, sample_mp4: Path
) -> None:
    vid = uploaded(auth, sample_mp4)
    send_caption(auth, vid)
    anonymous = app.test_client()
    for path in (f"/media/{vid}/captions/en.vtt", f"/media/{vid}/hls/subs/en.m3u8"):
        assert mallory.client.get(path).status_code == 404
        assert anonymous.get(path, headers={"Accept": "application/json"}).status_code == 401
    for language in ("fr", "xx-invalid-tag", "..", "en.vtt"):
        assert auth.client.get(f"/media/{vid}/captions/{language}.vtt").status_code == 404


def test_a_share_link_serves_its_captions_until_it_is_revoked(
    app: Flask, auth: AuthActions, sample_mp4: Path
) -> None:
    vid = uploaded(auth, sample_mp4)
    send_caption(auth, vid, label="English")
    api(auth, "PATCH", f"/api/videos/{vid}", {"visibility": "unlisted"})
    link = make_link(auth, vid)
    viewer = app.test_client()
    page = viewer.get(link).get_data(as_text=True)
    base = media_base(page)
    track = re.search(r'<track kind="subtitles" srclang="en" label="English" src="([^"]+)"', page)
    assert track is not None and track.group(1) == base + "captions/en.vtt"
    assert viewer.get(base + "captions/en.vtt").status_code == 200
    share_id = api(auth, "GET", f"/api/videos/{vid}/shares").get_json()["shares"][0]["id"]
    api(auth, "DELETE", f"/api/videos/{vid}/shares/{share_id}")
    assert viewer.get(base + "captions/en.vtt").status_code == 404


def test_the_owner_adds_and_removes_captions_on_the_page(
    auth: AuthActions, sample_mp4: Path
) -> None:
    vid = uploaded(auth, sample_mp4)
    page = auth.client.get(f"/stream/{vid}").get_data(as_text=True)
    assert 'id="captions"' in page
    form = {
        "file": (io.BytesIO(SRT), "a.srt"),
        "language": "de",
        "label": "Deutsch",
        "csrf_token": auth.csrf(),
    }
    added = auth.client.post(f"/stream/{vid}/captions", data=form)
    assert added.status_code == 303
    page = auth.client.get(f"/stream/{vid}").get_data(as_text=True)
    assert f'src="/media/{vid}/captions/de.vtt"' in page
    bad = {"file": (io.BytesIO(b"\x00\x01"), "a.srt"), "language": "de", "csrf_token": auth.csrf()}
    refused = auth.client.post(f"/stream/{vid}/captions", data=bad)
    assert refused.status_code == 415
    assert "This is not a caption file" in refused.get_data(as_text=True)
    removed = auth.client.post(
        f"/stream/{vid}/captions/de/delete", data={"csrf_token": auth.csrf()}
    )
    assert removed.status_code == 303
    assert "captions/de.vtt" not in auth.client.get(f"/stream/{vid}").get_data(as_text=True)


def test_caption_words_are_searchable_until_the_caption_goes(
    auth: AuthActions, sample_mp4: Path
) -> None:
    vid = uploaded(auth, sample_mp4)
    send_caption(auth, vid, SRT.replace(b"Bye", b"Aardvarks &amp; zebras"))
    send_caption(auth, vid, SRT.replace(b"Bye", b"Wombats"), language="fr")

    def found(word: str) -> list[str]:
        videos = auth.client.get(f"/api/videos?q={word}").get_json()["videos"]
        return [v["id"] for v in videos]

    assert found("aardvarks") == found("wombats") == [vid]
    assert api(auth, "DELETE", f"/api/videos/{vid}/captions/fr").status_code == 204
    assert found("wombats") == []
    assert found("zebras") == [vid]
