"""Share links from tests: made through the API, opened the way a browser or ffmpeg does."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import update

from tests.support.accounts import AuthActions
from vidstream.extensions import db
from vidstream.media_index import forget_link
from vidstream.models import Share
from vidstream.models.base import utcnow

FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def api(auth: AuthActions, method: str, path: str, body: Any = None) -> Any:
    """A JSON API call from ``auth``'s browser session (CSRF header included)."""
    return auth.client.open(path, method=method, json=body, headers={"X-CSRFToken": auth.csrf()})


def make_link(auth: AuthActions, vid: str, **options: Any) -> str:
    """A new share link's path, ``/s/<token>``."""
    answer = api(auth, "POST", f"/api/videos/{vid}/shares", options)
    assert answer.status_code == 201, answer.get_json()
    url: str = answer.get_json()["share"]["url"]
    return url.removeprefix("http://localhost")


def media_base(page: str) -> str:
    """The ``/s/<token>/m/<grant>/`` prefix a link's page gives its player."""
    found = re.search(r'data-mp4="(/s/[^/"]+/m/[^/"]+/)original\.mp4"', page)
    assert found, page[:2000]
    return found.group(1)


def master_url(page: str) -> str:
    """The HLS master playlist's URL a link's page gives its player."""
    found = re.search(r'data-hls="([^"]+)"', page)
    assert found, page[:2000]
    return found.group(1)


def form_token(page: str) -> str:
    """The signed form token of a link's password form."""
    found = FORM_TOKEN.search(page)
    assert found, page[:2000]
    return found.group(1)


def share_ids(auth: AuthActions, vid: str) -> list[str]:
    """The ids of the video's active shares, newest link first."""
    shares = api(auth, "GET", f"/api/videos/{vid}/shares").get_json()["shares"]
    return [s["id"] for s in shares]


def expire(app: Flask, link: str) -> None:
    """Move a link's expiry into the past (as time passing would)."""
    token = link.split("/")[2]
    with app.app_context():
        db.session.execute(
            update(Share)
            .where(Share.token_sha256 == Share.hash(token))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
        forget_link(Share.hash(token))
