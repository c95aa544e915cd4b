"""The JSON API for scripts: list, inspect and delete videos."""

from __future__ import annotations

from flask import jsonify
from werkzeug.wrappers import Response

from vidstream.services.stream import bp
from vidstream.services.stream.logic import delete_video, list_videos
from vidstream.web.access import current_user_id, login_required, owned_video
from vidstream.web.representations import video_json


@bp.get("/api/videos")
@login_required
def api_list() -> Response:
    """Every video the caller owns, newest first."""
    return jsonify(videos=[video_json(v) for v in list_videos(current_user_id() or 0)])


@bp.get("/api/videos/<public_id>")
@login_required
def api_get(public_id: str) -> Response:
    """One of the caller's videos."""
    return jsonify(video=video_json(owned_video(public_id)))


@bp.delete("/api/videos/<public_id>")
@login_required
def api_delete(public_id: str) -> tuple[str, int]:
    """Delete one of the caller's videos and every stored file of it."""
    delete_video(owned_video(public_id))
    return "", 204
