"""The watch beacon: what a player reports it played, off the byte path.

``POST /media/<id>/watch`` and ``POST /s/<token>/m/<grant>/watch`` take
``{"token": <beacon token>, "ranges": [[start, end], ...]}`` (seconds) from the
player every ten seconds and when the page is left (``navigator.sendBeacon``). They
pass the same access check as the video's bytes (Action.WATCH, the share link and
its grant included), then the beacon token of the page (vidstream.analytics.collect:
it replaces the CSRF token, which sendBeacon cannot send), then the ranges, then the
viewer's per-minute cap; the answer is an empty 204. Nothing here is imported by the
media routes, and a beacon is a request of its own.
"""

from __future__ import annotations

import json
from typing import Any

from flask import after_this_request, request
from sqlalchemy import bindparam, select
from werkzeug.wrappers import Response

from vidstream.analytics.collect import issue_token, new_viewer_id, parse_ranges, read_token, record
from vidstream.extensions import csrf, db
from vidstream.models import Video
from vidstream.services.stream import bp
from vidstream.web.access import current_user_id
from vidstream.web.errors import AppError
from vidstream.web.urls import service_url
from vidstream.web.video_access import Action, opened_link, video_access

VIEWER_COOKIE = "vidstream_viewer"
# Salts change daily, so a viewer id is of no use for longer than a day.
VIEWER_COOKIE_SECONDS = 24 * 3600
MAX_BODY = 8 * 1024
# Built once, run on the connection (every beacon asks it).
_VIDEO = select(Video.id, Video.duration_seconds).where(Video.public_id == bindparam("public_id"))


def _viewer_id() -> str:
    """Who the page is for: the signed-in account, else the browser's random id."""
    user_id = current_user_id()
    if user_id is not None:
        return f"user:{user_id}"
    viewer = request.cookies.get(VIEWER_COOKIE, "")
    if 16 <= len(viewer) <= 32 and viewer.replace("-", "").replace("_", "").isalnum():
        return f"anon:{viewer}"
    viewer = new_viewer_id()

    @after_this_request
    def _remember(response: Response) -> Response:
        response.set_cookie(
            VIEWER_COOKIE,
            viewer,
            max_age=VIEWER_COOKIE_SECONDS,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure,
        )
        return response

    return f"anon:{viewer}"


def beacon_for(video: Video, *, share: str | None = None, **where: str) -> dict[str, str]:
    """The beacon address and token a watch page of ``video`` gives its player.

    ``where`` is the media URL form (``public_id=``, or ``token=`` and ``grant=``);
    ``share`` the share link's public id when the page was opened through one.
    """
    return {
        "url": service_url("stream.watch_beacon", **where),
        "token": issue_token(video.public_id, share, _viewer_id()),
    }


def _body() -> dict[str, Any]:
    if (request.content_length or 0) > MAX_BODY:
        raise AppError(413, "A beacon is at most 8 KiB.", code="too_large")
    raw = request.get_data(cache=False)[: MAX_BODY + 1]
    try:
        body = json.loads(raw) if len(raw) <= MAX_BODY else None
    except ValueError:
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("token"), str):
        raise AppError(400, "Send a JSON object with token and ranges.", code="invalid_body")
    return body


def watch_beacon(**urlargs: str) -> tuple[str, int]:
    """Record what the player of a page says it played (see the module notes)."""
    # The link comes from the URL, not the viewer: an owner who opens their own link
    # is an owner, yet counts under that link.
    link = opened_link(urlargs["token"], urlargs["grant"]) if "token" in urlargs else None
    public_id = link.video_public_id if link else urlargs["public_id"]
    info, _ = video_access(public_id, Action.WATCH, link)
    body = _body()
    token = read_token(body["token"])
    share = link.share_public_id if link is not None else None
    if token is None or token.video != info.public_id or token.share != share:
        raise AppError(
            400, "This page's beacon token is not valid; reload it.", code="beacon_token"
        )
    row = db.session.connection().execute(_VIDEO, {"public_id": info.public_id}).first()
    if row is None or not row.duration_seconds:
        raise AppError(409, "This video is not ready to play yet.")
    ranges = parse_ranges(body.get("ranges"), round(row.duration_seconds * 1000))
    record(token, row.id, link.share_id if link else None, ranges)
    return "", 204


for _prefix in ("/media/<public_id>/", "/s/<token>/m/<grant>/"):
    bp.add_url_rule(_prefix + "watch", "watch_beacon", watch_beacon, methods=["POST"])
# The page's signed beacon token stands in for the CSRF token (see the module notes).
csrf.exempt(f"{__name__}.watch_beacon")
