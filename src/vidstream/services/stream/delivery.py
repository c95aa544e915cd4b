"""How an authorised media request gets its bytes: the one place that decides.

Every media route is "check access, then :func:`deliver`". Given the video's serving
facts and the storage key of the file asked for, ``deliver`` picks, in this order:

1. a **direct link** (302): with S3 storage a presigned link, behind the nginx gateway
   with ``VIDSTREAM_MEDIA_LINKS`` a signed link nginx checks on its own. Playlists and
   the storyboard index are never handed over (they name other files by relative URI,
   which must resolve to our own checked URLs); a rendition playlist is instead sent
   with direct links for its init section and segments;
2. **X-Accel-Redirect** with ``VIDSTREAM_ACCEL_REDIRECT``: an empty answer telling
   nginx to send the file from its internal location;
3. the app's **own Range response**: the file positioned at the range's first byte and
   handed to the WSGI server's ``sendfile()`` (see :mod:`.ranges`), so a range costs
   O(range), never O(offset).

Who may ask is not decided here: callers pass only what the access check allowed.
"""

from __future__ import annotations

import re
from typing import BinaryIO
from urllib.parse import quote

from flask import Response, request
from werkzeug.http import http_date, parse_range_header
from werkzeug.wsgi import FileWrapper

from vidstream import current
from vidstream.media.containers import CONTAINERS
from vidstream.media_index import MediaInfo
from vidstream.models import VideoStatus
from vidstream.ops.metrics import metrics
from vidstream.services.stream.links import PLAYLIST_LINK_SECONDS, media_link
from vidstream.services.stream.ranges import FileWindow, not_modified, requested_range
from vidstream.storage import ObjectNotFound, check_key
from vidstream.web.errors import AppError
from vidstream.web.video_access import Viewer

# Media may be kept by the browser that fetched it, never by a shared cache.
MEDIA_CACHE_CONTROL = "private, max-age=3600"
# Answers that carry a link good for this caller only, and only for minutes; and the
# playlists of a ladder still being encoded, which grow until the video is ready.
LINK_CACHE_CONTROL = "private, no-store"
CONTENT_TYPES = {
    "m3u8": "application/vnd.apple.mpegurl",
    "m4s": "video/iso.segment",
    "mp4": "video/mp4",
    "jpg": "image/jpeg",
    "vtt": "text/vtt; charset=utf-8",
}
# Files that name other files by relative URI: always sent from here.
SENT_HERE = ("m3u8", "vtt")
RENDITION_PLAYLIST = "/index.m3u8"
SEGMENT_LINE = re.compile(r"init\.mp4|seg_[0-9]{5}\.m4s")
MAP_URI = re.compile(r'URI="(init\.mp4)"')
CHUNK = 256 * 1024
NO_FILE = "No such file exists for this video."
# What may stay of a title in a saved file's name: no separators, quotes or controls.
SAFE_FILENAME = re.compile(r'[\x00-\x1f\x7f/\\"*:<>?|;]+')


def deliver(
    info: MediaInfo,
    key: str,
    viewer: Viewer,
    *,
    attachment: bool = False,
    version: str | None = None,
) -> Response:
    """Answer GET/HEAD for the stored file ``key`` of the video ``info``.

    ``key`` must have been built from the video's stored id and fixed names, and the
    caller's access already checked (``viewer`` is who they turned out to be); a key
    that is not well formed, or a derived file that is not stored, is a 404. With
    ``attachment`` the file is sent for saving, named after the video's title, by the
    app or the gateway's X-Accel-Redirect (a direct link cannot carry that header).
    ``version`` is the file's own validator, for a file that changes apart from the
    rest (a caption).
    """
    try:
        check_key(key)
    except ValueError:
        raise AppError(404, NO_FILE) from None
    extension, content_type = file_type(info, key)
    if extension not in SENT_HERE and not attachment:
        linked = redirect_to_link(key, content_type)
        if linked is not None:
            return linked
    elif key.endswith(RENDITION_PLAYLIST) and viewer.holds_long_links:
        # Anyone else gets the playlist with relative URIs: each segment is asked for
        # here and checked, so a revoked share stops within one short link's life.
        playlist = linked_playlist(key)
        if playlist is not None:
            return playlist
    growing = extension == "m3u8" and info.status != VideoStatus.READY.value
    size, etag = _validators(info, key, version)
    if growing:
        # Each snapshot of a growing playlist is longer than the last: its size tells
        # them apart, and none may be kept (a player polls it for new segments).
        etag = f"{etag}.{size}"
    cache = LINK_CACHE_CONTROL if growing else MEDIA_CACHE_CONTROL
    prefix = current.settings().accel_redirect
    if prefix:
        response = accel_redirect(prefix + key, size=size, content_type=content_type, cache=cache)
    else:
        response = serve_file(
            key,
            size=size,
            etag=etag,
            last_modified=info.last_modified,
            content_type=content_type,
            cache=cache,
        )
    if attachment:
        response.headers["Content-Disposition"] = attachment_header(info.title, extension)
    return response


def _validators(info: MediaInfo, key: str, version: str | None) -> tuple[int, str]:
    """Size and ETag of ``key``: the upload's and the playable MP4's from the row (no
    storage request), a derived file's size from the store and its ``version`` (a
    caption's) or the derived files' tag."""
    if key == info.original_key:
        return info.size, info.etag
    if key == info.download_key:
        return info.download_size, info.etag
    return _stored_size(key), version or info.assets_version or info.etag


def file_type(info: MediaInfo, key: str) -> tuple[str, str]:
    """The extension and media type ``key`` is sent with: a kept upload's from its probed
    container (its key has no extension), every other file's from its fixed name."""
    if info.source_format and key == info.download_key:
        container = CONTAINERS.get(info.source_format)
        if container is None:
            raise AppError(404, NO_FILE)
        return container.extension, container.content_type
    extension = key.rsplit(".", 1)[-1]
    return extension, CONTENT_TYPES[extension]


def attachment_header(title: str, extension: str) -> str:
    """``Content-Disposition`` naming the saved file after ``title`` (RFC 6266)."""
    stem = SAFE_FILENAME.sub("_", title).strip("._ ") or "video"
    name = f"{stem[:100]}.{extension}"
    fallback = name.encode("ascii", "replace").decode().replace("?", "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"


def _stored_size(key: str) -> int:
    try:
        return current.storage().size(key)
    except ObjectNotFound:
        raise AppError(404, NO_FILE) from None


def redirect_to_link(key: str, content_type: str) -> Response | None:
    """A 302 to a short-lived direct link for ``key``, or None when there are no links.

    HEAD is never redirected (a presigned GET link does not sign HEAD) and is answered
    here. The redirect must not be cached: the link is the caller's alone.
    """
    if request.method != "GET":
        return None
    url = media_link(key, content_type, current.settings().presigned_url_seconds)
    if url is None:
        return None
    return Response(status=302, headers={"Location": url, "Cache-Control": LINK_CACHE_CONTROL})


def linked_playlist(key: str) -> Response | None:
    """A rendition playlist with its init section and segments as direct links, or None.

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
    try:
        with current.storage().open(key) as fh:
            text = fh.read().decode()
    except ObjectNotFound:
        raise AppError(404, NO_FILE) from None
    lines = []
    for line in text.splitlines():
        if SEGMENT_LINE.fullmatch(line):
            line = link(line)
        elif line.startswith("#EXT-X-MAP:"):
            line = MAP_URI.sub(lambda m: f'URI="{link(m.group(1))}"', line)
        lines.append(line)
    headers = {
        "Content-Type": CONTENT_TYPES["m3u8"],
        "Cache-Control": LINK_CACHE_CONTROL,
        "X-Content-Type-Options": "nosniff",
    }
    return Response("\n".join(lines) + "\n", headers=headers)


def send_made(
    text: str, *, content_type: str, etag: str, last_modified: float, growing: bool = False
) -> Response:
    """A small file made for this request (a playlist that names the captions), with
    its validators, so a player that has it gets a 304. ``growing``: never kept."""
    headers = {
        "ETag": f'"{etag}"',
        "Last-Modified": http_date(last_modified),
        "Cache-Control": LINK_CACHE_CONTROL if growing else MEDIA_CACHE_CONTROL,
        "Content-Type": content_type,
        "X-Content-Type-Options": "nosniff",
    }
    if not_modified(etag, last_modified):
        return Response(status=304, headers=headers)
    return Response(text, headers=headers)


def accel_redirect(
    location: str, *, size: int, content_type: str, cache: str = MEDIA_CACHE_CONTROL
) -> Response:
    """An empty answer telling nginx to send the file at its internal ``location``.

    nginx then answers Range, If-Range and the conditional headers itself, from the
    file's own size and modification time, so those are not looked at here. Bytes
    are counted as asked for: the gateway does not report how much the client took.
    """
    metrics().bytes_served.labels("gateway").inc(_asked_length(size))
    headers = {
        "X-Accel-Redirect": location,
        "Content-Type": content_type,
        "Cache-Control": cache,
    }
    return Response(status=200, headers=headers)


def _asked_length(size: int) -> int:
    """How many bytes the request's Range asks for (the whole file when none is valid)."""
    parsed = parse_range_header(request.headers.get("Range"))
    window = parsed.range_for_length(size) if parsed and len(parsed.ranges) == 1 else None
    return window[1] - window[0] if window else size


def serve_file(
    key: str,
    *,
    size: int,
    etag: str,
    last_modified: float,
    content_type: str,
    cache: str = MEDIA_CACHE_CONTROL,
) -> Response:
    """The app's own answer: full Range, ETag and validator support, bytes by sendfile.

    The file is opened only when bytes are actually sent (not for HEAD or 304).
    """
    headers = {
        "Accept-Ranges": "bytes",
        "ETag": f'"{etag}"',
        "Last-Modified": http_date(last_modified),
        "Cache-Control": cache,
        "Content-Type": content_type,
        "X-Content-Type-Options": "nosniff",
    }
    if not_modified(etag, last_modified):
        return Response(status=304, headers=headers)
    window = requested_range(size, etag, last_modified)
    start, stop = window if window is not None else (0, size)
    if window is not None:
        headers["Content-Range"] = f"bytes {start}-{stop - 1}/{size}"
    headers["Content-Length"] = str(stop - start)
    status = 206 if window is not None else 200
    if request.method == "HEAD":
        return Response(status=status, headers=headers)
    metrics().bytes_served.labels("app").inc(stop - start)
    fh: BinaryIO = current.storage().open(key)
    fh.seek(start)
    wrap = request.environ.get("wsgi.file_wrapper", FileWrapper)
    body = wrap(FileWindow(fh, stop - start), CHUNK)
    return Response(body, status=status, headers=headers, direct_passthrough=True)
