"""The collection pages: the list of collections, one collection, and their forms.

Every form is a plain POST (CSRF-checked by the global hook in web/access.py) that
answers with a redirect (303) when it worked and the page with its message when not,
so collections can be made, filled and reordered without JavaScript.
"""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request
from werkzeug.wrappers import Response

from vidstream.services.stream import bp
from vidstream.services.stream.collections import (
    add_video,
    collection_videos,
    create_collection,
    delete_collection,
    edit_collection,
    move_video,
    owned_collection,
    owner_collections,
    remove_video,
)
from vidstream.web.access import current_user_id
from vidstream.web.errors import AppError
from vidstream.web.urls import service_url
from vidstream.web.video_access import managed_video


def _to_collection(collection_id: str) -> Response:
    return redirect(service_url("stream.collection_page", collection_id=collection_id), code=303)


@bp.get("/collections")
def collections_page(error: str | None = None, status: int = 200) -> Any:
    """The signed-in user's collections, and a form to make one."""
    rows = owner_collections(current_user_id() or 0)
    return render_template("stream/collections.html", collections=rows, error=error), status


@bp.post("/collections")
def create_collection_form() -> Any:
    """Make a collection from the form and open it."""
    try:
        collection = create_collection(current_user_id() or 0, request.form.get("name", ""))
    except AppError as error:
        return collections_page(error=error.message, status=error.status)
    return _to_collection(collection.public_id)


@bp.get("/collections/<collection_id>")
def collection_page(collection_id: str, error: str | None = None, status: int = 200) -> Any:
    """A collection's videos in play order, with the owner's controls."""
    collection = owned_collection(collection_id)
    videos = collection_videos(collection)
    return render_template(
        "stream/collection.html", collection=collection, videos=videos, error=error
    ), status


@bp.post("/collections/<collection_id>/edit")
def edit_collection_form(collection_id: str) -> Any:
    """Rename the collection."""
    collection = owned_collection(collection_id)
    try:
        edit_collection(
            collection,
            name=request.form.get("name", ""),
            description=request.form.get("description"),
        )
    except AppError as error:
        return collection_page(collection_id, error=error.message, status=error.status)
    return _to_collection(collection_id)


@bp.post("/collections/<collection_id>/delete")
def delete_collection_form(collection_id: str) -> Response:
    """Delete the collection (its videos stay in the library)."""
    delete_collection(owned_collection(collection_id))
    return redirect(service_url("stream.collections_page"), code=303)


@bp.post("/collections/<collection_id>/videos/<video_id>/move")
def move_collection_video(collection_id: str, video_id: str) -> Response:
    """Move a video one place earlier (``direction=up``) or later (``down``)."""
    offset = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if offset is None:
        raise AppError(400, "direction must be up or down.", code="invalid_value")
    move_video(owned_collection(collection_id), video_id, offset)
    return _to_collection(collection_id)


@bp.post("/collections/<collection_id>/videos/<video_id>/remove")
def remove_collection_video(collection_id: str, video_id: str) -> Response:
    """Take a video out of the collection."""
    remove_video(owned_collection(collection_id), video_id)
    return _to_collection(collection_id)


@bp.post("/stream/<public_id>/collections")
def add_to_collection_form(public_id: str) -> Response:
    """Add the video on this page to one of the owner's collections (player page form)."""
    video = managed_video(public_id)
    add_video(owned_collection(request.form.get("collection", "")), video.public_id)
    return redirect(service_url("stream.player", public_id=public_id) + "#collections", code=303)
