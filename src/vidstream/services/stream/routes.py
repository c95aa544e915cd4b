"""Stream pages: the library, a video's page, and what is shared with you."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from sqlalchemy import select

from vidstream.analytics.stats import view_counts
from vidstream.extensions import db
from vidstream.models import User, Video, VideoStatus
from vidstream.services.stream import bp
from vidstream.services.stream.beacon import beacon_for
from vidstream.services.stream.collections import neighbours, owned_collection, owner_collections
from vidstream.services.stream.library import find_videos
from vidstream.services.stream.library_query import SORT_LABELS, parse_query
from vidstream.services.stream.listings import shared_with
from vidstream.services.stream.playback import playback_for
from vidstream.services.stream.sharing import shares_of
from vidstream.services.stream.tags import owner_tags
from vidstream.web.access import current_user_id
from vidstream.web.representations import media_urls
from vidstream.web.urls import service_url
from vidstream.web.video_access import ViewerKind, watched_video


@bp.get("/stream")
def library() -> str:
    """The signed-in user's own videos: searched, filtered, sorted, a page at a time.

    A plain GET form drives it, so it works without JavaScript; the next page is a link.
    """
    owner = current_user_id() or 0
    query = parse_query(request.args, limit_allowed=False)
    page = find_videos(owner, query)
    next_url = None
    if page.next_cursor:
        next_url = service_url("stream.library", **query.link_args(), after=page.next_cursor)
    return render_template(
        "stream/library.html",
        videos=page.videos,
        query=query,
        next_url=next_url,
        first_page=query.after is not None,
        sorts=SORT_LABELS,
        statuses=list(VideoStatus),
        tags=owner_tags(owner),
        collections=owner_collections(owner),
        views=view_counts(owner),
    )


@bp.get("/shared")
def shared() -> str:
    """Videos other people have shared with the signed-in user."""
    return render_template("stream/shared.html", entries=shared_with(current_user_id() or 0))


@bp.get("/stream/<public_id>")
def player(public_id: str) -> Any:
    """A video's page: its owner manages it there; others it is shared with watch it."""
    video, viewer = watched_video(public_id)
    manage = viewer.kind is ViewerKind.OWNER
    playthrough = _playthrough(video) if manage and request.args.get("collection") else None
    return render_player(video, manage=manage, playthrough=playthrough)


def _playthrough(video: Video) -> dict[str, Any] | None:
    """Where the video sits in the collection being played through (the owner's only)."""
    collection = owned_collection(request.args.get("collection", ""))
    before, after, place = neighbours(collection, video.public_id)
    if not place:
        return None

    def link(public_id: str | None) -> str | None:
        if public_id is None:
            return None
        return service_url("stream.player", public_id=public_id, collection=collection.public_id)

    return {"collection": collection, "place": place, "previous": link(before), "next": link(after)}


def render_player(video: Video, *, manage: bool, status: int = 200, **extra: Any) -> Any:
    """The video's page, with the owner's panels when ``manage``."""
    context: dict[str, Any] = {
        "video": video,
        "manage": manage,
        "urls": media_urls(video, public_id=video.public_id),
        "beacon": beacon_for(video, public_id=video.public_id),
        "playback": playback_for(video),
    }
    if manage:
        context["shares"] = shares_of(video)
        context["download_url"] = service_url("stream.download", public_id=video.public_id)
        context["collections"] = owner_collections(video.owner_id)
    else:
        context["owner_name"] = db.session.scalar(
            select(User.username).where(User.id == video.owner_id)
        )
    return render_template("stream/player.html", **context, **extra), status
