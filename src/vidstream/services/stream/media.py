"""Every media route: the original, HLS playlists and segments, pictures, downloads.

Each route is "check access, then deliver": :func:`~vidstream.web.video_access.video_access`
answers anyone who may not see the video (before any question of whether the file is
ready, so a stranger learns nothing about it), then :func:`~.delivery.deliver` sends
the file by the deployment's means. Every route exists twice: under
``/media/<public_id>/`` for the owner, the accounts it is shared with and anyone when
it is public, and under ``/s/<token>/m/<grant>/`` for whoever opened a share link
(see web/link_grants.py); relative URIs inside playlists stay within the same form.
Path segments from the URL are matched against strict patterns before a storage key
is built from them, and the key is built from the video's stored id, never from the
text of the request.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from werkzeug.wrappers import Response

from vidstream import current
from vidstream.extensions import db
from vidstream.media.chapters import chapters_vtt, video_chapters
from vidstream.media.hls import subtitle_playlist, with_subtitles
from vidstream.media_index import MediaInfo
from vidstream.models import VideoStatus
from vidstream.models.caption import normal_language
from vidstream.models.video import Video, caption_key, hls_key, image_key
from vidstream.services.stream import bp
from vidstream.services.stream.captions import caption_names, video_duration
from vidstream.services.stream.delivery import CONTENT_TYPES, NO_FILE, deliver, send_made
from vidstream.storage import ObjectNotFound
from vidstream.web.errors import AppError
from vidstream.web.video_access import Action, Viewer, opened_link, video_access

# A video rung ("720p") or the audio rendition all rungs share.
RENDITION = re.compile(r"[0-9]{3,4}p|audio")
HLS_FILE = re.compile(r"index\.m3u8|init\.mp4|seg_[0-9]{5}\.m4s")
MediaView = Callable[..., Response]


def media_route(path: str) -> Callable[[MediaView], MediaView]:
    """Register a media view at ``/media/<public_id>/<path>`` and its share-link twin."""

    def register(view: MediaView) -> MediaView:
        for prefix in ("/media/<public_id>/", "/s/<token>/m/<grant>/"):
            bp.add_url_rule(prefix + path, view.__name__, view, methods=["GET", "HEAD"])
        return view

    return register


def checked(urlargs: dict[str, Any], action: Action = Action.WATCH) -> tuple[MediaInfo, Viewer]:
    """The video a media URL names and the caller's standing, once access is allowed."""
    token = urlargs.get("token")
    if token is None:
        return video_access(urlargs["public_id"], action)
    link = opened_link(token, urlargs["grant"])
    return video_access(link.video_public_id, action, link)


@media_route("original.mp4")
def original(**urlargs: str) -> Response:
    """The playable faststart MP4, with Range support (or a link to it)."""
    info, viewer = checked(urlargs)
    if not info.playable:
        raise AppError(409, "This video is not ready to play yet.")
    return deliver(info, info.original_key, viewer)


@media_route("download")
def download(**urlargs: str) -> Response:
    """The file as it was uploaded, as an attachment named after the title and its probed
    container: for its owner, and links that allow it."""
    info, viewer = checked(urlargs, Action.DOWNLOAD)
    if not info.downloadable:
        raise AppError(409, "This video is not ready to download yet.")
    return deliver(info, info.download_key, viewer, attachment=True)


def _hls_ready(urlargs: dict[str, Any]) -> tuple[MediaInfo, Viewer]:
    info, viewer = checked(urlargs)
    if not info.rendition_names:
        raise AppError(409, "This video's streaming versions are not ready yet.")
    return info, viewer


@media_route("hls/master.m3u8")
def hls_master(**urlargs: str) -> Response:
    """The HLS master playlist: every rendition with its bandwidth, size and codecs.

    A video with captions gets its stored master with a subtitle group added, made
    here from the caption rows, so adding a caption needs no new encode; one without
    takes the plain byte path.
    """
    info, viewer = _hls_ready(urlargs)
    key = hls_key(info.public_id, "master.m3u8")
    if not info.captions:
        return deliver(info, key, viewer)
    try:
        with current.storage().open(key) as fh:
            stored = fh.read().decode()
    except ObjectNotFound:
        raise AppError(404, NO_FILE) from None
    text = with_subtitles(stored, caption_names(info.public_id))
    return _made(info, text, info.captions)


def _made(info: MediaInfo, text: str, *parts: str) -> Response:
    """A playlist made here, its validator drawn from what it was made of."""
    growing = info.status != VideoStatus.READY.value
    digest = hashlib.sha256("|".join((text if growing else "", *parts)).encode()).hexdigest()
    etag = f"{info.assets_version or info.etag}.{digest[:12]}"
    return send_made(
        text,
        content_type=CONTENT_TYPES["m3u8"],
        etag=etag,
        last_modified=info.last_modified,
        growing=growing,
    )


def _caption_language(info: MediaInfo, language: str) -> str:
    """The checked tag of a caption the video has; a 404 for anything else."""
    tag = normal_language(language)
    if tag is None or tag not in info.caption_versions:
        raise AppError(404, NO_FILE)
    return tag


@media_route("hls/subs/<language>.m3u8")
def hls_subtitles(language: str, **urlargs: str) -> Response:
    """A caption as an HLS subtitle playlist: one segment, the whole WebVTT file."""
    info, _viewer = _hls_ready(urlargs)
    tag = _caption_language(info, language)
    uri = f"../../captions/{tag}.vtt"
    text = subtitle_playlist(video_duration(info.public_id), uri)
    return _made(info, text, tag, info.caption_versions[tag])


@media_route("hls/<rendition>/<name>")
def hls_file(rendition: str, name: str, **urlargs: str) -> Response:
    """A rendition's media playlist, init section or segment.

    While the ladder is still being encoded, a segment not stored yet is a 404 like any
    missing file, and playlists are sent uncached (see :func:`~.delivery.deliver`).
    """
    info, viewer = _hls_ready(urlargs)
    if not RENDITION.fullmatch(rendition) or rendition not in info.rendition_names:
        raise AppError(404, NO_FILE)
    if not HLS_FILE.fullmatch(name):
        raise AppError(404, NO_FILE)
    return deliver(info, hls_key(info.public_id, rendition, name), viewer)


def _picture(urlargs: dict[str, Any], name: str, *, storyboard: bool = False) -> Response:
    info, viewer = checked(urlargs)
    if not (info.storyboard if storyboard else info.poster):
        raise AppError(409, "This video's pictures are not ready yet.")
    return deliver(info, image_key(info.public_id, name), viewer)


@media_route("poster.jpg")
def poster(**urlargs: str) -> Response:
    """A representative frame, at most 1280 pixels on its long side."""
    return _picture(urlargs, "poster.jpg")


@media_route("thumb.jpg")
def thumbnail(**urlargs: str) -> Response:
    """The poster at library-tile size (at most 320 pixels)."""
    return _picture(urlargs, "thumb.jpg")


@media_route("captions/<language>.vtt")
def caption_file(language: str, **urlargs: str) -> Response:
    """A caption's WebVTT file (``text/vtt``), cached until the caption is replaced."""
    info, viewer = checked(urlargs)
    tag = _caption_language(info, language)
    key = caption_key(info.public_id, tag)
    return deliver(info, key, viewer, version=info.caption_versions[tag])


@media_route("storyboard.vtt")
def storyboard_index(**urlargs: str) -> Response:
    """WebVTT cues pointing into the storyboard sprite sheet."""
    return _picture(urlargs, "storyboard.vtt", storyboard=True)


@media_route("storyboard.jpg")
def storyboard_image(**urlargs: str) -> Response:
    """The storyboard sprite sheet: a grid of small frames every few seconds."""
    return _picture(urlargs, "storyboard.jpg", storyboard=True)


@media_route("chapters.vtt")
def chapters_track(**urlargs: str) -> Response:
    """The chapters as a WebVTT track, from the description or the file (media/chapters.py).

    Made from the video's row on each request, so an edited description shows at once.
    """
    info, _ = checked(urlargs)
    row = db.session.execute(
        select(Video.description, Video.chapters, Video.duration_seconds).where(
            Video.public_id == info.public_id
        )
    ).first()
    chapters = video_chapters(row.description, row.chapters) if row is not None else []
    if row is None or not chapters:
        raise AppError(404, "This video has no chapters.")
    response = Response(chapters_vtt(chapters, row.duration_seconds), mimetype="text/vtt")
    response.headers["Cache-Control"] = "private, no-cache"
    return response
