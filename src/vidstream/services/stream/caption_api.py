"""The caption API: add or replace a video's caption in a language, and remove one.

Only the video's owner may (MANAGE in web/video_access.py); anyone else gets the 404
every other video route gives. The rules are in :mod:`.captions`.
"""

from __future__ import annotations

from flask import jsonify
from werkzeug.wrappers import Response

from vidstream.services.stream import bp
from vidstream.services.stream.captions import add_caption, remove_caption, sent_caption
from vidstream.web.representations import caption_json
from vidstream.web.video_access import managed_video


@bp.post("/api/videos/<public_id>/captions")
def api_add_caption(public_id: str) -> tuple[Response, int]:
    """Store a caption file (multipart ``file``, ``language``, optional ``label``).

    201 with the new caption; 200 when it replaced the one in that language.
    """
    video = managed_video(public_id)
    caption, created = add_caption(video, *sent_caption())
    return jsonify(caption=caption_json(caption, public_id=public_id)), 201 if created else 200


@bp.delete("/api/videos/<public_id>/captions/<language>")
def api_remove_caption(public_id: str, language: str) -> tuple[str, int]:
    """Remove the video's caption in ``language``: its row, then its file."""
    remove_caption(managed_video(public_id), language)
    return "", 204
