"""Serving what processing made: HLS playlists and segments, poster, storyboard.

Every file goes through the same access check as the original (a stranger gets
404) and the same Range/ETag serving, or, with S3 storage, the same redirect to a
presigned link (playlists and the storyboard index excepted: see ``SENT_HERE``).
Path segments from the URL are matched against strict patterns before a storage
key is built from them, and the key is built from the video's stored id, never
from the text of the request.
"""

from __future__ import annotations

import re
from typing import BinaryIO

from werkzeug.wrappers import Response

from vidstream import current
from vidstream.media_index import MediaInfo
from vidstream.models.video import hls_key, image_key
from vidstream.services.stream import bp
from vidstream.services.stream.links import PLAYLIST_LINK_SECONDS, media_link
from vidstream.services.stream.ranges import serve_file
from vidstream.services.stream.redirects import redirect_to_link
from vidstream.storage import ObjectNotFound, check_key
from vidstream.web.access import login_required, owned_media
from vidstream.web.errors import AppError

RENDITION = re.compile(r"[0-9]{3,4}p")
HLS_FILE = re.compile(r"index\.m3u8|init\.mp4|seg_[0-9]{5}\.m4s")
MAP_URI = re.compile(r'URI="(init\.mp4)"')
CONTENT_TYPES = {
    "m3u8": "application/vnd.apple.mpegurl",
    "m4s": "video/iso.segment",
    "mp4": "video/mp4",
    "jpg": "image/jpeg",
    "vtt": "text/vtt; charset=utf-8",
}
# These name other files by relative URI, which must resolve to our own checked URLs
# (a player would otherwise ask the object store for them without a signature), so
# they are always sent from here, never handed over to a storage link.
SENT_HERE = ("m3u8", "vtt")
NO_FILE = "No such file exists for this video."


def _serve(info: MediaInfo, key: str) -> Response:
    storage = current.storage()
    extension = key.rsplit(".", 1)[-1]
    try:
        check_key(key)
    except ValueError:
        raise AppError(404, NO_FILE) from None
    if extension not in SENT_HERE:
        handed_over = redirect_to_link(key, CONTENT_TYPES[extension])
        if handed_over is not None:
            return handed_over
    try:
        size = storage.size(key)
    except ObjectNotFound:
        raise AppError(404, NO_FILE) from None

    def open_body() -> BinaryIO:
        return storage.open(key)

    return serve_file(
        open_body,
        size=size,
        etag=info.assets_version or info.etag,
        last_modified=info.last_modified,
        content_type=CONTENT_TYPES[extension],
        key=key,
    )


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
    return _serve(info, hls_key(info.public_id, "master.m3u8"))


@bp.route("/media/<public_id>/hls/<rendition>/<name>", methods=["GET", "HEAD"])
@login_required
def hls_file(public_id: str, rendition: str, name: str) -> Response:
    """A rendition's media playlist, init section or segment."""
    info = _hls_ready(public_id)
    if not RENDITION.fullmatch(rendition) or rendition not in info.rendition_names:
        raise AppError(404, NO_FILE)
    if not HLS_FILE.fullmatch(name):
        raise AppError(404, NO_FILE)
    key = hls_key(info.public_id, rendition, name)
    if name == "index.m3u8":
        linked = _linked_playlist(key)
        if linked is not None:
            return linked
    return _serve(info, key)


def _linked_playlist(key: str) -> Response | None:
    """The rendition playlist with its init section and segments as direct links, or None.

    A player then fetches every segment from the store or the gateway without a request
    to this service per segment; each link is good for :data:`PLAYLIST_LINK_SECONDS`.
    The answer differs on every request (the links do), so it is neither cached nor
    given an ETag. None when there are no direct links.
    """
    folder = key.rsplit("/", 1)[0]
    links: dict[str, str] = {}

    def link(name: str) -> str:
        if name not in links:
            content_type = CONTENT_TYPES[name.rsplit(".", 1)[-1]]
            found = media_link(f"{folder}/{name}", content_type, PLAYLIST_LINK_SECONDS)
            links[name] = found or ""
        return links[name]

    if not link("init.mp4"):
        return None
    storage = current.storage()
    try:
        with storage.open(key) as fh:
            text = fh.read().decode()
    except ObjectNotFound:
        raise AppError(404, NO_FILE) from None
    lines = []
    for line in text.splitlines():
        if HLS_FILE.fullmatch(line) and line != "index.m3u8":
            line = link(line)
        elif line.startswith("#EXT-X-MAP:"):
            line = MAP_URI.sub(lambda m: f'URI="{link(m.group(1))}"', line)
        lines.append(line)
    headers = {
        "Content-Type": CONTENT_TYPES["m3u8"],
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return Response("\n".join(lines) + "\n", headers=headers)


def _picture(public_id: str, name: str, *, storyboard: bool = False) -> Response:
    info = owned_media(public_id)
    if not (info.storyboard if storyboard else info.poster):
        raise AppError(409, "This video's pictures are not ready yet.")
    return _serve(info, image_key(info.public_id, name))


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
