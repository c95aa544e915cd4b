"""The collections API: list, make, read, rename and delete collections; their videos.

Owner-only like every library call: a collection of someone else answers 404, the
same as one that does not exist, and a caller who is not signed in gets 401.
"""

from __future__ import annotations

from flask import jsonify
from werkzeug.wrappers import Response

from vidstream.models import Collection
from vidstream.services.stream import bp
from vidstream.services.stream.api import json_body
from vidstream.services.stream.collections import (
    add_video,
    collection_videos,
    create_collection,
    delete_collection,
    edit_collection,
    owned_collection,
    owner_collections,
    remove_video,
    set_videos,
)
from vidstream.web.access import current_user_id
from vidstream.web.errors import AppError
from vidstream.web.representations import collection_json

FIELDS: dict[str, type] = {"name": str, "description": str}


def _full(collection: Collection) -> Response:
    videos = collection_videos(collection)
    return jsonify(collection=collection_json(collection, video_count=len(videos), videos=videos))


@bp.get("/api/collections")
def api_collections() -> Response:
    """The caller's collections, by name, with their video counts."""
    rows = owner_collections(current_user_id() or 0)
    return jsonify(collections=[collection_json(c, video_count=n) for c, n in rows])


@bp.post("/api/collections")
def api_create_collection() -> tuple[Response, int]:
    """Make an empty collection."""
    body = json_body(FIELDS)
    if "name" not in body:
        raise AppError(400, "A collection needs a name.", code="invalid_value")
    collection = create_collection(current_user_id() or 0, **body)
    return jsonify(collection=collection_json(collection, video_count=0, videos=[])), 201


@bp.get("/api/collections/<collection_id>")
def api_collection(collection_id: str) -> Response:
    """One collection with its videos in play order."""
    return _full(owned_collection(collection_id))


@bp.patch("/api/collections/<collection_id>")
def api_edit_collection(collection_id: str) -> Response:
    """Rename a collection or change its description."""
    collection = owned_collection(collection_id)
    return _full(edit_collection(collection, **json_body(FIELDS)))


@bp.delete("/api/collections/<collection_id>")
def api_delete_collection(collection_id: str) -> tuple[str, int]:
    """Delete a collection; its videos stay in the library."""
    delete_collection(owned_collection(collection_id))
    return "", 204


@bp.put("/api/collections/<collection_id>/videos")
def api_set_collection_videos(collection_id: str) -> Response:
    """Set the collection's videos and their order at once (reorder, add, remove)."""
    collection = owned_collection(collection_id)
    body = json_body({"videos": list})
    if "videos" not in body:
        raise AppError(400, "Send the list of video ids as videos.", code="invalid_body")
    set_videos(collection, body["videos"])
    return _full(collection)


@bp.post("/api/collections/<collection_id>/videos")
def api_add_collection_video(collection_id: str) -> Response:
    """Add one of the caller's videos, at the end or at ``position`` (0 is first)."""
    collection = owned_collection(collection_id)
    body = json_body({"video": str, "position": int})
    if "video" not in body:
        raise AppError(400, "Send the video's id as video.", code="invalid_body")
    position = body.get("position")
    if position is not None and not 0 <= position <= 100_000:
        raise AppError(400, "position must be from 0 to 100000.", code="invalid_value")
    add_video(collection, body["video"], position)
    return _full(collection)


@bp.delete("/api/collections/<collection_id>/videos/<video_id>")
def api_remove_collection_video(collection_id: str, video_id: str) -> tuple[str, int]:
    """Take a video out of the collection (it stays in the library)."""
    remove_video(owned_collection(collection_id), video_id)
    return "", 204
