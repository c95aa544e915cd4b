"""The JSON API for scripts: list, inspect, edit and delete videos; manage their shares."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from werkzeug.wrappers import Response

from vidstream.models import Share
from vidstream.services.stream import bp
from vidstream.services.stream.library import find_videos
from vidstream.services.stream.library_query import PAGE_SIZE, parse_query
from vidstream.services.stream.logic import delete_video
from vidstream.services.stream.sharing import (
    create_link,
    edit_video,
    link_options,
    revoke,
    share_with_account,
    shares_of,
)
from vidstream.web.access import current_user_id
from vidstream.web.errors import AppError
from vidstream.web.representations import share_json, video_json
from vidstream.web.urls import service_url
from vidstream.web.video_access import managed_video

# The JSON type of each field a body may carry (the limits are checked in sharing.py).
EDITABLE: dict[str, type] = {
    "title": str,
    "description": str,
    "visibility": str,
    "tags": list,
}
LINK_FIELDS: dict[str, type] = {
    "expires_in_seconds": int,
    "password": str,
    "max_views": int,
    "allow_download": bool,
    "label": str,
}
TYPE_NAMES = {
    str: "text",
    int: "a whole number",
    bool: "true or false",
    list: "a list of text",
}


def json_body(fields: dict[str, type]) -> dict[str, Any]:
    """The request's JSON object, holding only ``fields`` of their types; else a 400."""
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the parser follows: not a usable object
        body = None
    if not isinstance(body, dict):
        raise AppError(400, "Send a JSON object.", code="invalid_body")
    unknown = sorted(set(body) - set(fields))
    if unknown:
        raise AppError(400, f"Unknown field(s): {', '.join(unknown)[:200]}.", code="invalid_body")
    for name, value in body.items():
        kind = fields[name]
        # bool is an int in Python, never in JSON; a list here is always a list of text.
        if (
            not isinstance(value, kind)
            or (kind is int and isinstance(value, bool))
            or (isinstance(value, list) and not all(isinstance(item, str) for item in value))
        ):
            raise AppError(400, f"{name} must be {TYPE_NAMES[kind]}.", code="invalid_value")
    return body


@bp.get("/api/videos")
def api_list() -> Response:
    """A page of the caller's videos: searched, filtered and sorted as asked."""
    query = parse_query(request.args, limit_allowed=True)
    page = find_videos(current_user_id() or 0, query, captions=True)
    next_url = None
    if page.next_cursor:
        limit = {"limit": str(query.limit)} if query.limit != PAGE_SIZE else {}
        next_url = service_url(
            "stream.api_list", **query.link_args(), **limit, after=page.next_cursor
        )
    return jsonify(videos=[video_json(v) for v in page.videos], next=next_url)


@bp.get("/api/videos/<public_id>")
def api_get(public_id: str) -> Response:
    """One of the caller's videos."""
    return jsonify(video=video_json(managed_video(public_id)))


@bp.patch("/api/videos/<public_id>")
def api_edit(public_id: str) -> Response:
    """Change a video's title, description, visibility or tags."""
    video = managed_video(public_id)
    return jsonify(video=video_json(edit_video(video, **json_body(EDITABLE))))


@bp.delete("/api/videos/<public_id>")
def api_delete(public_id: str) -> tuple[str, int]:
    """Delete one of the caller's videos and every stored file of it."""
    delete_video(managed_video(public_id))
    return "", 204


@bp.get("/api/videos/<public_id>/shares")
def api_shares(public_id: str) -> Response:
    """The video's active links and the accounts it is shared with, with their use."""
    return jsonify(shares=[share_json(s) for s in shares_of(managed_video(public_id))])


@bp.post("/api/videos/<public_id>/shares")
def api_share(public_id: str) -> tuple[Response, int]:
    """Make a share link (answering its URL, once), or share with an account."""
    video = managed_video(public_id)
    body = json_body({**LINK_FIELDS, "username": str})
    share: Share
    if "username" in body:
        if set(body) - {"username"}:
            raise AppError(400, "Link options do not apply to a share with an account.")
        share = share_with_account(video, body["username"])
        return jsonify(share=share_json(share)), 201
    share, token = create_link(video, link_options(**body))
    return jsonify(share=share_json(share, token=token)), 201


@bp.delete("/api/videos/<public_id>/shares/<share_id>")
def api_unshare(public_id: str, share_id: str) -> tuple[str, int]:
    """Revoke a link or stop sharing with an account, at once."""
    revoke(managed_video(public_id), share_id)
    return "", 204
