"""The media fast path: a player's byte requests answered before Flask, when allowed.

A player asks for the same few things over and over: ranges of ``original.mp4`` and
HLS init sections and segments. On the full path each request pays for Flask's
dispatch, request context and every hook before a ``sendfile()`` that is the same for
all of them. This WSGI layer answers those requests itself when it can show, with the
same facts and the same rules, that the full path would send the bytes:

- the caller is who the session store says (read through the app's own session
  interface, so an ended, expired or unknown session is what it is on the full path),
  the session is within its lifetimes and made since the account's epoch last moved
  (``media_index.user_epoch``: a disabled or deleted account has none);
- the video's facts come from ``media_index.media_info``, a share link's from
  ``link_info`` and its grant from ``link_grants``; the viewer's kind from
  :func:`~vidstream.web.video_access.viewer_of` and the answer from the one permission
  table (:func:`~vidstream.web.video_access.allowed`);
- the file is sent as :func:`~.delivery.deliver` sends it (its own Range answer, or
  X-Accel-Redirect behind the gateway), with the same headers.

Anything else goes to Flask unchanged: a refusal of any kind, an error of a store or
the database while checking (Flask answers it with its 503), a conditional request,
a Range that is not one plain ``bytes=`` range inside the file, a Bearer token, a
session that must set up a second factor, a store that does not answer, and every
deployment where the answer is a link (S3, the gateway's signed links) or where the
page's security headers depend on the request's host. So every refusal and error is
still written in one place, and this layer only ever saves time on a yes.
"""

from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask
from werkzeug.http import http_date, parse_cookie
from werkzeug.wsgi import FileWrapper

from vidstream import current
from vidstream.media_index import LinkInfo, MediaInfo, link_info, media_info, user_epoch
from vidstream.models.video import hls_key
from vidstream.ops.metrics import metrics
from vidstream.services.stream.delivery import CHUNK, CONTENT_TYPES, MEDIA_CACHE_CONTROL
from vidstream.services.stream.media import HLS_FILE, RENDITION
from vidstream.services.stream.ranges import FileWindow
from vidstream.storage import ObjectNotFound
from vidstream.web import sessions
from vidstream.web.headers import fixed_origins, security_headers
from vidstream.web.link_grants import grant_names
from vidstream.web.permissions import SETUP_SECOND_FACTOR
from vidstream.web.sessions import StandInSession, session_expired
from vidstream.web.video_access import Action, allowed, viewer_of

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

# The files a player asks for most: the MP4, and a rendition's init section and segments.
_FILE = r"(?P<file>original\.mp4|hls/(?P<rendition>[^/]+)/(?P<name>[^/]+))"
_OWNER_PATH = re.compile(r"/media/(?P<public_id>[^/]+)/" + _FILE)
_LINK_PATH = re.compile(r"/s/(?P<token>[^/]+)/m/(?P<grant>[^/]+)/" + _FILE)
# The same routes as Flask names them, for the request metrics.
_ROUTES = {
    (False, False): "/media/<public_id>/original.mp4",
    (False, True): "/media/<public_id>/hls/<rendition>/<name>",
    (True, False): "/s/<token>/m/<grant>/original.mp4",
    (True, True): "/s/<token>/m/<grant>/hls/<rendition>/<name>",
}
# One plain range: "bytes=first-" or "bytes=first-last"; anything else is Flask's.
_PLAIN_RANGE = re.compile(r"bytes=([0-9]{1,19})-([0-9]{0,19})")
# Requests that ask something only the full path answers.
_CONDITIONAL = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_RANGE",
    "HTTP_AUTHORIZATION",
)


# Last-Modified, formatted once per value (a video's changes only when it does).
_last_modified = functools.lru_cache(maxsize=4096)(http_date)


class MediaFastPath:
    """WSGI layer in front of ``inner`` (Flask) that answers allowed byte requests itself."""

    def __init__(self, app: Flask, inner: WSGIApp) -> None:
        self.app = app
        self.inner = inner
        settings = current.settings(app)
        self.settings = settings
        self.cookie_name: str = app.config["SESSION_COOKIE_NAME"]
        self.interface = app.session_interface
        media_origin = current.storage(app).download_origin()
        origins = fixed_origins(settings)
        self.enabled = (
            settings.media_fast_path
            and not settings.media_links
            and media_origin is None
            and origins is not None
        )
        # Security headers depend only on whether the path is a share link's; the full
        # path also says the answer depends on the cookie (it reads the session).
        self.headers = {
            shared: [
                *security_headers(settings, path, origins, media_origin).items(),
                ("Vary", "Cookie"),
            ]
            for shared, path in ((False, "/media/x/original.mp4"), (True, "/s/x/m/y/original.mp4"))
        }

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """Answer the request here when :meth:`answer` can; otherwise pass it to Flask."""
        if self.enabled and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            answer = self.answer(environ, start_response)
            if answer is not None:
                return answer
        return self.inner(environ, start_response)

    def answer(
        self, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes] | None:
        """The answer to a byte request the full path would send, or None to pass it on."""
        path = environ.get("PATH_INFO", "")
        match = _OWNER_PATH.fullmatch(path) or _LINK_PATH.fullmatch(path)
        if match is None or any(name in environ for name in _CONDITIONAL):
            return None
        started = time.perf_counter()
        with self.app.app_context():
            parts = match.groupdict()
            try:
                found = self._allowed_file(environ, parts)
            except Exception:
                # A store or database that fails: Flask meets the same error and answers
                # it as it does every other (a 503), never this layer.
                log.debug("media fast path passed on after an error", exc_info=True)
                return None
            if found is None:
                return None
            info, key, size, etag = found
            headers, status, start, stop = self._file_headers(environ, info, key, size, etag)
            if headers is None:
                return None
            try:
                body = self._body(environ, key, start, stop)
            except (ObjectNotFound, OSError):
                return None  # removed since its facts were read, or unreadable: Flask's answer
            shared = "grant" in parts
            headers.extend(self.headers[shared])
            start_response(status, headers)
            _count(
                environ, _ROUTES[(shared, match.group("rendition") is not None)], status, started
            )
            return body

    def _user_id(self, environ: dict[str, Any]) -> tuple[bool, int | None]:
        """(usable, user id): the signed-in account as the full path would see it.

        Not usable when the full path would change the session first (an expired
        session, an epoch that moved, a setup still owed) or the store is down.
        """
        sid = parse_cookie(environ.get("HTTP_COOKIE")).get(self.cookie_name)
        if not sid:
            return True, None
        # The interface reads nothing of a request but its cookies.
        cookies = _CookieOnly({self.cookie_name: sid})
        session = self.interface.open_session(self.app, cookies)  # type: ignore[arg-type]
        if session is None or isinstance(session, StandInSession):
            return False, None
        user_id = session.get("user_id")
        if user_id is None:
            return True, None
        if not isinstance(user_id, int) or session.get(SETUP_SECOND_FACTOR):
            return False, None
        if session_expired(self.settings, sessions.now(), session):
            return False, None
        if user_epoch(user_id) != session.get("epoch"):
            return False, None
        return True, user_id

    def _allowed_file(
        self, environ: dict[str, Any], parts: dict[str, str | None]
    ) -> tuple[MediaInfo, str, int, str] | None:
        """The video, the file's key, size and ETag, when the caller may watch it."""
        link: LinkInfo | None = None
        public_id = parts.get("public_id")
        token = parts.get("token")
        if token is not None:
            link = link_info(token)
            if (
                link is None
                or link.expired(time.time())
                or not grant_names(str(parts.get("grant")), link.share_public_id)
            ):
                return None
            public_id = link.video_public_id
        usable, user_id = self._user_id(environ)
        if not usable or public_id is None:
            return None
        info = media_info(public_id)
        if info is None:
            return None
        viewer = viewer_of(info, link, user_id)
        if viewer is None or not allowed(Action.WATCH, viewer):
            return None
        rendition, name = parts["rendition"], parts["name"]
        if rendition is None:
            if not info.playable:
                return None
            return info, info.original_key, info.size, info.etag
        if (
            not RENDITION.fullmatch(rendition)
            or rendition not in info.rendition_names
            or name is None
            or name == "index.m3u8"
            or not HLS_FILE.fullmatch(name)
        ):
            return None
        key = hls_key(info.public_id, rendition, name)
        try:
            size = current.storage().size(key)
        except ObjectNotFound:
            return None
        return info, key, size, info.assets_version or info.etag

    def _file_headers(
        self, environ: dict[str, Any], info: MediaInfo, key: str, size: int, etag: str
    ) -> tuple[list[tuple[str, str]] | None, str, int, int]:
        """The answer's own headers and status and the window, as delivery.py makes them
        (no headers: a Range this layer leaves to the full path)."""
        content_type = CONTENT_TYPES[key.rsplit(".", 1)[-1]]
        start, stop = 0, size
        asked = environ.get("HTTP_RANGE")
        if asked is not None:
            plain = _PLAIN_RANGE.fullmatch(asked.strip())
            if plain is None:
                return None, "", 0, 0
            start = int(plain.group(1))
            stop = min(int(plain.group(2)) + 1, size) if plain.group(2) else size
            if start >= size or stop <= start:
                return None, "", 0, 0
        if self.settings.accel_redirect:
            # nginx answers Range and the validators itself, from the file.
            headers = [
                ("X-Accel-Redirect", self.settings.accel_redirect + key),
                ("Content-Type", content_type),
                ("Cache-Control", MEDIA_CACHE_CONTROL),
                ("Content-Length", "0"),
            ]
            return headers, "200 OK", start, stop
        headers = [
            ("Accept-Ranges", "bytes"),
            ("ETag", f'"{etag}"'),
            ("Last-Modified", _last_modified(info.last_modified)),
            ("Cache-Control", MEDIA_CACHE_CONTROL),
            ("Content-Type", content_type),
        ]
        status = "200 OK"
        if asked is not None:
            status = "206 Partial Content"
            headers.append(("Content-Range", f"bytes {start}-{stop - 1}/{size}"))
        headers.append(("Content-Length", str(stop - start)))
        return headers, status, start, stop

    def _body(self, environ: dict[str, Any], key: str, start: int, stop: int) -> Iterable[bytes]:
        """The bytes: none for HEAD or X-Accel-Redirect, else the window for ``sendfile()``."""
        if self.settings.accel_redirect:
            _bytes_served("gateway").inc(stop - start)
            return []
        if environ["REQUEST_METHOD"] == "HEAD":
            return []
        fh = current.storage().open(key)
        fh.seek(start)
        _bytes_served("app").inc(stop - start)
        wrap = environ.get("wsgi.file_wrapper", FileWrapper)
        body: Iterable[bytes] = wrap(FileWindow(fh, stop - start), CHUNK)
        return body


@functools.lru_cache(maxsize=2)
def _bytes_served(means: str) -> Any:
    return metrics().bytes_served.labels(means)


class _CookieOnly:
    """What the session interface reads of a request: its cookies."""

    def __init__(self, cookies: dict[str, str]) -> None:
        self.cookies = cookies


def _count(environ: dict[str, Any], route: str, status: str, started: float) -> None:
    """The request metrics Flask's hooks record (ops/health.py), by the same labels."""
    counter, histogram = _series(environ["REQUEST_METHOD"], route, status[:3])
    counter.inc()
    histogram.observe(time.perf_counter() - started)


@functools.lru_cache(maxsize=64)
def _series(method: str, route: str, status: str) -> tuple[Any, Any]:
    """The labelled request counter and latency histogram (looked up once each)."""
    m = metrics()
    return m.requests.labels(method, route, status), m.latency.labels(route)
