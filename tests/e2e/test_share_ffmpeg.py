"""ffmpeg plays a shared video from nothing but its share URL, over real HTTP.

A share link is all a viewer is given: ffmpeg (no cookies, no account) must get from
the link's page to every playlist and segment. The page is fetched over HTTP like a
browser would, the master playlist's URL taken from it, and ffmpeg decodes the whole
video from there. A password-protected link gives those URLs only after the password
is posted with the form token its page carries.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask

from tests.support.accounts import AuthActions
from tests.support.pipeline import decode_over_http, live_server, process_now
from tests.support.sharing import api, form_token, make_link, master_url, share_ids

pytestmark = pytest.mark.e2e

SECONDS = 2.0  # sample_mp4's length


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """The quickest encodes: these tests check delivery, not picture quality."""
    return {"x264_preset": "ultrafast"}


@pytest.fixture
def server(app: Flask) -> Iterator[str]:
    """The app served over real HTTP on loopback."""
    with live_server(app) as url:
        yield url


@pytest.fixture
def video(app: Flask, auth: AuthActions, sample_mp4: Path) -> str:
    """Alice's unlisted, fully processed video."""
    auth.signup("alice")
    vid: str = auth.upload(sample_mp4, json=True).get_json()["video"]["id"]
    process_now(app, vid)
    assert api(auth, "PATCH", f"/api/videos/{vid}", {"visibility": "unlisted"}).status_code == 200
    return vid


def _decodes_whole(url: str) -> None:
    decoded = decode_over_http(url, cookie=None)
    assert decoded.returncode == 0 and decoded.errors == "", decoded.errors
    assert abs(decoded.seconds - SECONDS) <= 0.5, decoded


def test_ffmpeg_plays_a_link_from_its_url_alone(server: str, video: str, auth: AuthActions) -> None:
    link = make_link(auth, video)
    page = requests.get(server + link, timeout=10)
    assert page.status_code == 200
    master = master_url(page.text)
    assert master.startswith(link + "/m/") and master.endswith("/hls/master.m3u8")
    _decodes_whole(server + master)
    # The same URL without the link's grant, or after revocation, decodes nothing.
    token = link.split("/")[2]
    forged = decode_over_http(f"{server}/s/{token}/m/forged/hls/master.m3u8", cookie=None)
    assert forged.returncode != 0 and forged.seconds == 0
    (share_id,) = share_ids(auth, video)
    assert api(auth, "DELETE", f"/api/videos/{video}/shares/{share_id}").status_code == 204
    revoked = decode_over_http(server + master, cookie=None)
    assert revoked.returncode != 0 and revoked.seconds == 0 and "404" in revoked.errors


def test_ffmpeg_plays_a_password_link_once_the_password_is_given(
    server: str, video: str, auth: AuthActions
) -> None:
    link = make_link(auth, video, password="open sesame")
    viewer = requests.Session()
    form = viewer.get(server + link, timeout=10)
    assert form.status_code == 200 and "data-hls" not in form.text
    token = form_token(form.text)
    wrong = viewer.post(server + link, data={"form_token": token, "password": "nope"}, timeout=10)
    assert wrong.status_code == 403 and "data-hls" not in wrong.text
    right = viewer.post(
        server + link, data={"form_token": token, "password": "open sesame"}, timeout=10
    )
    assert right.status_code == 200
    _decodes_whole(server + master_url(right.text))
