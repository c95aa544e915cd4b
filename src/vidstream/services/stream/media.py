"""Every media route: the original, HLS playlists and segments, poster, storyboard.

Each route is "check access, then deliver": :func:`~vidstream.web.access.owned_media`
answers 404 to anyone who may not see the video (before any question of whether the
file is ready, so a stranger learns nothing), then :func:`~.delivery.deliver` sends
the file by the deployment's means. Path segments from the URL are matched against
strict patterns before a storage key is built from them, and the key is built from
the video's stored id, never from the text of the request.
"""

from __future__ import annotations

import re

from werkzeug.wrappers import Response

from vidstream.media_index import MediaInfo
from vidstream.models.video import hls_key, image_key
from vidstream.services.stream import bp
from vidstream.services.stream.delivery import NO_FILE, deliver
from vidstream.web.access import login_required, owned_media
from vidstream.web.errors import AppError

RENDITION = re.compile(r"[0-9]{3,4}p")
HLS_FILE = re.compile(r"index\.m3u8|init\.mp4|seg_[0-9]{5}\.m4s")


@bp.route("/media/<public_id>/original.mp4", methods=["GET", "HEAD"])
@login_required
def original(public_id: str) -> Response:
    """The uploaded MP4, with Range support (or a link to it); only its owner may fetch it."""
    info = owned_media(public_id)
    if not info.playable:
        raise AppError(409, "This video is not ready to play yet.")
    return deliver(info, info.original_key)


def _hls_ready(public_id: str) -> MediaInfo:
    info = owned_media(public_id)
    if not info.rendition_names:
        raise AppError(409, "This video's streaming versions are not ready yet.")
    return info


@bp.route("/media/<public_id>/hls/master.m3u8", methods=["GET", "HEAD"])
@login_required
def hls_master(public_id: str) -> Response:
    """The HLS master playlist: every rendition with its bandwidth, size and codecs."""
    info = _hls_ready(public_id)
    return deliver(info, hls_key(info.public_id, "master.m3u8"))


@bp.route("/media/<public_id>/hls/<rendition>/<name>", methods=["GET", "HEAD"])
@login_required
def hls_file(public_id: str, rendition: str, name: str) -> Response:
    """A rendition's media playlist, init section or segment."""
    info = _hls_ready(public_id)
    if not RENDITION.fullmatch(rendition) or rendition not in info.rendition_names:
        raise AppError(404, NO_FILE)
    if not HLS_FILE.fullmatch(name):
        raise AppError(404, NO_FILE)
    return deliver(info, hls_key(info.public_id, rendition, name))


def _picture(public_id: str, name: str, *, storyboard: bool = False) -> Response:
    info = owned_media(public_id)
    if not (info.storyboard if storyboard else info.poster):
        raise AppError(409, "This video's pictures are not ready yet.")
    return deliver(info, image_key(info.public_id, name))


@bp.route("/media/<public_id>/poster.jpg", methods=["GET", "HEAD"])
@login_required
def poster(public_id: str) -> Response:
    """A representative frame, at most 1280 pixels on its long side."""
    return _picture(public_id, "poster.jpg")


@bp.route("/media/<public_id>/thumb.jpg", methods=["GET", "HEAD"])
@login_required
def thumbnail(public_id: str) -> Response:
    """The poster at library-tile size (at most 320 pixels)."""
    return _picture(public_id, "thumb.jpg")


@bp.route("/media/<public_id>/storyboard.vtt", methods=["GET", "HEAD"])
@login_required
def storyboard_index(public_id: str) -> Response:
    """WebVTT cues pointing into the storyboard sprite sheet."""
    return _picture(public_id, "storyboard.vtt", storyboard=True)


@bp.route("/media/<public_id>/storyboard.jpg", methods=["GET", "HEAD"])
@login_required
def storyboard_image(public_id: str) -> Response:
    """The storyboard sprite sheet: a grid of small frames every few seconds."""
    return _picture(public_id, "storyboard.jpg", storyboard=True)
