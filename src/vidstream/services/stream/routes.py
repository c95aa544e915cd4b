"""Stream pages and media bytes."""

from __future__ import annotations

from typing import BinaryIO

from flask import redirect, render_template
from werkzeug.wrappers import Response

from vidstream import current
from vidstream.services.stream import bp
from vidstream.services.stream.logic import delete_video, list_videos
from vidstream.services.stream.ranges import serve_file
from vidstream.services.stream.redirects import redirect_to_link
from vidstream.web.access import current_user_id, login_required, owned_media, owned_video
from vidstream.web.errors import AppError
from vidstream.web.urls import service_url


@bp.get("/stream")
@login_required
def library() -> str:
    """The signed-in user's own videos."""
    return render_template("stream/library.html", videos=list_videos(current_user_id() or 0))


@bp.get("/stream/<public_id>")
@login_required
def player(public_id: str) -> str:
    """A page that plays one of the user's videos."""
    return render_template("stream/player.html", video=owned_video(public_id))


@bp.post("/stream/<public_id>/delete")
@login_required
def delete(public_id: str) -> Response:
    """Delete one of the user's videos (from the player page's form)."""
    delete_video(owned_video(public_id))
    return redirect(service_url("stream.library"), code=303)


@bp.route("/media/<public_id>/original.mp4", methods=["GET", "HEAD"])
@login_required
def original(public_id: str) -> Response:
    """The uploaded MP4, with Range support (or a link to it); only its owner may fetch it."""
    info = owned_media(public_id)
    if not info.playable:
        raise AppError(409, "This video is not ready to play yet.")
    handed_over = redirect_to_link(info.original_key, "video/mp4")
    if handed_over is not None:
        return handed_over
    storage = current.storage()

    def open_body() -> BinaryIO:
        return storage.open(info.original_key)

    return serve_file(
        open_body,
        size=info.size,
        etag=info.etag,
        last_modified=info.last_modified,
        content_type="video/mp4",
        key=info.original_key,
    )
