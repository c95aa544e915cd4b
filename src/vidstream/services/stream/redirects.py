"""Handing a media request over to a direct link, once access has been checked.

With storage that gives out download links (S3), or with signed gateway links
(``VIDSTREAM_MEDIA_LINKS``), a GET for media bytes is answered with a 302 to a link
that expires after ``VIDSTREAM_PRESIGNED_URL_SECONDS``; the store or nginx then
answers Range and conditional requests itself. The redirect must not be cached: the
link is the caller's alone and stops working soon. HEAD requests are not redirected
(a presigned GET link does not sign HEAD) and are answered here. Without links
nothing changes.
"""

from __future__ import annotations

from flask import request
from werkzeug.wrappers import Response

from vidstream import current
from vidstream.services.stream.links import media_link


def redirect_to_link(key: str, content_type: str) -> Response | None:
    """A 302 to a short-lived link for ``key``, or None when the app must send the bytes."""
    if request.method != "GET":
        return None
    lifetime = current.settings().presigned_url_seconds
    url = media_link(key, content_type, lifetime)
    if url is None:
        return None
    headers = {"Location": url, "Cache-Control": "private, no-store"}
    return Response(status=302, headers=headers)
