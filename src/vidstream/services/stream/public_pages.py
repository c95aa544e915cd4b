"""What anyone may see: an account's public page, public embeds, and oEmbed.

``/u/<username>`` lists the account's public videos; an account with none looks the
same as no account (404). ``/embed/<id>`` is the bare player of a video the caller may
watch (anyone, for a public one). ``/oembed`` describes a public video or a share
link so that other sites can embed it (https://oembed.com/, JSON only).
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlsplit

from flask import jsonify, render_template, request
from werkzeug.wrappers import Response

from vidstream.media_index import media_info
from vidstream.models import Visibility
from vidstream.services.stream import bp
from vidstream.services.stream.beacon import beacon_for
from vidstream.services.stream.listings import public_videos
from vidstream.services.stream.playback import playback_for
from vidstream.web.errors import AppError
from vidstream.web.representations import media_urls
from vidstream.web.urls import absolute_url
from vidstream.web.video_access import opened_link, watched_video

PER_PAGE = 24
EMBED_SIZE = (640, 360)
NOT_EMBEDDABLE = "That address is not a public video or a share link of this site."


@bp.get("/u/<username>")
def public_page(username: str) -> Any:
    """An account's public videos, newest first, a page at a time."""
    page = request.args.get("page", "1")
    if not page.isdigit() or not 1 <= int(page) <= 100_000:
        raise AppError(404, "There is no such page.")
    owner, videos, more = public_videos(username, int(page), PER_PAGE)
    return render_template(
        "stream/public.html", owner=owner, videos=videos, page=int(page), more=more
    )


@bp.get("/embed/<public_id>")
def embed(public_id: str) -> str:
    """The bare player of a video the caller may watch, for other sites to frame."""
    video, _ = watched_video(public_id)
    urls = media_urls(video, public_id=video.public_id)
    beacon = beacon_for(video, public_id=video.public_id)
    return render_template(
        "stream/embed.html",
        video=video,
        urls=urls,
        renew_url=None,
        beacon=beacon,
        playback=playback_for(video, saved=False),
    )


def _embed_target(url: str) -> tuple[str, str | None, str | None]:
    """The embed URL, title and thumbnail for ``url`` (a page of this site), or a 404."""
    parts = [p for p in urlsplit(url).path.split("/") if p]
    if len(parts) == 2 and parts[0] == "s":
        link = opened_link(parts[1])
        title = None if link.has_password else _title(link.video_public_id)
        return absolute_url("stream.share_embed", token=parts[1]), title, None
    if len(parts) == 2 and parts[0] in ("stream", "embed"):
        info = media_info(parts[1])
        if info is not None and Visibility(info.visibility) is Visibility.PUBLIC:
            thumb = (
                absolute_url("stream.thumbnail", public_id=info.public_id) if info.poster else None
            )
            return (
                absolute_url("stream.embed", public_id=info.public_id),
                info.title,
                thumb,
            )
    raise AppError(404, NOT_EMBEDDABLE)


def _title(public_id: str) -> str | None:
    info = media_info(public_id)
    return info.title if info is not None else None


def _dimension(name: str, default: int) -> int:
    value = request.args.get(name, "")
    return min(default, int(value)) if value.isdigit() and int(value) > 0 else default


@bp.get("/oembed")
def oembed() -> Response:
    """An oEmbed ``video`` answer for a public video or a share link."""
    if request.args.get("format", "json") != "json":
        raise AppError(501, "Only format=json is offered.", code="format_not_offered")
    url = request.args.get("url", "")
    if not url:
        raise AppError(400, "Give the address of the video as url=.", code="missing_url")
    src, title, thumbnail = _embed_target(url)
    width = _dimension("maxwidth", EMBED_SIZE[0])
    height = min(_dimension("maxheight", EMBED_SIZE[1]), width * 9 // 16 or 1)
    html = (
        f'<iframe src="{escape(src)}" width="{width}" height="{height}" '
        'style="border:0" allow="fullscreen; picture-in-picture" allowfullscreen '
        f'referrerpolicy="no-referrer" title="{escape(title or "A shared video")}"></iframe>'
    )
    answer: dict[str, Any] = {
        "version": "1.0",
        "type": "video",
        "provider_name": "vidstream",
        "title": title or "A shared video",
        "html": html,
        "width": width,
        "height": height,
    }
    if thumbnail:
        answer["thumbnail_url"] = thumbnail
    return jsonify(answer)
