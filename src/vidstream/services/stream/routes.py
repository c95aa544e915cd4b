"""Stream pages: the library, the player, deleting a video."""

from __future__ import annotations

from flask import redirect, render_template
from werkzeug.wrappers import Response

from vidstream.services.stream import bp
from vidstream.services.stream.logic import delete_video, list_videos
from vidstream.web.access import current_user_id, login_required, owned_video
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
