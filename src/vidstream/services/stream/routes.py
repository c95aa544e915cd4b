"""Stream pages: the library, a video's page, and what is shared with you."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from sqlalchemy import select

from vidstream.analytics.stats import view_counts
from vidstream.extensions import db
from vidstream.models import User, Video
from vidstream.services.stream import bp
from vidstream.services.stream.beacon import beacon_for
from vidstream.services.stream.logic import list_videos
from vidstream.services.stream.sharing import shared_with, shares_of
from vidstream.web.access import current_user_id, login_required
from vidstream.web.representations import media_urls
from vidstream.web.urls import service_url
from vidstream.web.video_access import ViewerKind, watched_video


@bp.get("/stream")
@login_required
def library() -> str:
    """The signed-in user's own videos."""
    owner_id = current_user_id() or 0
    videos = list_videos(owner_id)
    views = view_counts(owner_id)
    if request.args.get("sort") == "views":
        videos.sort(key=lambda v: -views.get(v.id, 0))
    return render_template(
        "stream/library.html", videos=videos, views=views, sort=request.args.get("sort")
    )


@bp.get("/shared")
@login_required
def shared() -> str:
    """Videos other people have shared with the signed-in user."""
    return render_template("stream/shared.html", entries=shared_with(current_user_id() or 0))


@bp.get("/stream/<public_id>")
def player(public_id: str) -> Any:
    """A video's page: its owner manages it there; others it is shared with watch it."""
    video, viewer = watched_video(public_id)
    return render_player(video, manage=viewer.kind is ViewerKind.OWNER)


def render_player(video: Video, *, manage: bool, status: int = 200, **extra: Any) -> Any:
    """The video's page, with the owner's panels when ``manage``."""
    context: dict[str, Any] = {
        "video": video,
        "manage": manage,
        "urls": media_urls(video, public_id=video.public_id),
        "beacon": beacon_for(video, public_id=video.public_id),
    }
    if manage:
        context["shares"] = shares_of(video)
        context["download_url"] = service_url("stream.download", public_id=video.public_id)
    else:
        context["owner_name"] = db.session.scalar(
            select(User.username).where(User.id == video.owner_id)
        )
    return render_template("stream/player.html", **context, **extra), status
