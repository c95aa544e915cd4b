"""``PUT /api/videos/<id>/position``: the player saves where its viewer is (playback.py).

Only a signed-in account that may watch the video saves a position; anyone else gets
the access check's answer (404 for a stranger, 401 for nobody). A cookie session
needs the CSRF token like every other write; a Bearer token does not.
"""

from __future__ import annotations

from flask import request
from sqlalchemy import select

from vidstream.extensions import db
from vidstream.models import Video
from vidstream.services.stream import bp
from vidstream.services.stream.playback import checked_seconds, save_position
from vidstream.web.access import current_user_id
from vidstream.web.errors import AppError
from vidstream.web.video_access import Action, refuse, video_access


@bp.put("/api/videos/<public_id>/position")
def api_save_position(public_id: str) -> tuple[str, int]:
    """Remember how far the caller has watched the video ({"seconds": n})."""
    video_access(public_id, Action.WATCH)
    user_id = current_user_id()
    row = db.session.execute(
        select(Video.id, Video.duration_seconds).where(Video.public_id == public_id)
    ).first()
    if user_id is None or row is None:
        raise refuse()
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or set(body) != {"seconds"}:
        raise AppError(400, 'Send a JSON object: {"seconds": n}.', code="invalid_body")
    save_position(user_id, row.id, checked_seconds(body["seconds"], row.duration_seconds))
    return "", 204
