"""What a share link opens: its watch page, its embed, and fresh grants for its player.

``/s/<token>`` shows the video to whoever holds the link (after its password, when it
has one). Opening it counts as described in :mod:`.sharing` and hands the browser a
grant for the media URLs (web/link_grants.py). A revoked or unknown link is a 404, an
expired or used-up one a 410, both as pages that say so.

The password form carries its own signed form token instead of the session-bound CSRF
token: an embed in another site's frame gets no cookies, yet must be able to ask for
the password. The token binds the form to this link and expires; a wrong password is
a 403, and tries are limited per link (web/ratelimits.py).
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, make_response, render_template, request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from vidstream import current
from vidstream.extensions import csrf
from vidstream.media_index import LinkInfo
from vidstream.models import Share, Video
from vidstream.services.stream import bp
from vidstream.services.stream.beacon import beacon_for
from vidstream.services.stream.playback import playback_for
from vidstream.services.stream.sharing import (
    VIEW_WINDOW_SECONDS,
    link_share,
    password_matches,
    record_open,
    record_view,
)
from vidstream.web.errors import CSRF_FAILED, AppError
from vidstream.web.link_grants import RENEW_SECONDS, grant_names, make_grant
from vidstream.web.representations import media_urls
from vidstream.web.urls import service_url
from vidstream.web.video_access import LINK_NOT_FOUND, opened_link, watched_video

GRANT_COOKIE = "vidstream_grant"
FORM_TOKEN_SECONDS = 2 * 3600
USED_UP = "This link has been viewed as many times as it allows."


def _form_tokens() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current.settings().secret_key, salt="vidstream.share-form")


def _opened(token: str) -> tuple[LinkInfo, Share, Video]:
    link = opened_link(token)
    share = link_share(link.share_id)
    if share is None:
        raise AppError(404, LINK_NOT_FOUND)
    video, _ = watched_video(link.video_public_id, link)
    return link, share, video


def _remembered_grant(link: LinkInfo) -> str | None:
    """The grant this browser got for the link within the view window, if any."""
    grant = request.cookies.get(GRANT_COOKIE)
    if grant and grant_names(grant, link.share_public_id, max_age=VIEW_WINDOW_SECONDS):
        return grant
    return None


def _count_view(share: Share) -> str:
    if not record_view(share):
        raise AppError(410, USED_UP, code="link_used_up")
    return make_grant(share.public_id)


def _watch(token: str, template: str, link: LinkInfo, video: Video, grant: str) -> Response:
    context: dict[str, Any] = {
        "video": video,
        "urls": media_urls(video, token=token, grant=grant),
        "renew_url": service_url("stream.renew_grant", token=token),
        "playback": playback_for(video, saved=False),
        "beacon": beacon_for(video, share=link.share_public_id, token=token, grant=grant),
        "download_url": (
            service_url("stream.download", token=token, grant=grant)
            if link.allow_download
            else None
        ),
    }
    response = make_response(render_template(template, **context))
    response.set_cookie(
        GRANT_COOKIE,
        grant,
        max_age=VIEW_WINDOW_SECONDS,
        path=f"/s/{token}",
        httponly=True,
        samesite="Lax",
        secure=request.is_secure,
    )
    return response


def _ask_password(token: str, template: str, *, status: int = 200, wrong: bool = False) -> Any:
    form_token = _form_tokens().dumps(token[:64])
    page = render_template(
        "stream/share_password.html",
        embed=template.endswith("embed.html"),
        form_token=form_token,
        wrong=wrong,
    )
    return page, status


def _open_page(token: str, template: str) -> Any:
    link, share, video = _opened(token)
    record_open(share)
    grant = _remembered_grant(link)
    if grant is None:
        if link.has_password:
            return _ask_password(token, template)
        grant = _count_view(share)
    return _watch(token, template, link, video, grant)


def _unlock(token: str, template: str) -> Any:
    link, share, video = _opened(token)
    try:
        _form_tokens().loads(request.form.get("form_token", ""), max_age=FORM_TOKEN_SECONDS)
    except BadSignature:
        raise AppError(400, CSRF_FAILED, code="csrf_failed") from None
    if not password_matches(share, request.form.get("password", "")):
        return _ask_password(token, template, status=403, wrong=True)
    return _watch(token, template, link, video, _count_view(share))


@bp.route("/s/<token>", methods=["GET", "POST"])
def share_page(token: str) -> Any:
    """The watch page of a share link."""
    if request.method == "POST":
        return _unlock(token, "stream/share.html")
    return _open_page(token, "stream/share.html")


@bp.route("/s/<token>/embed", methods=["GET", "POST"])
def share_embed(token: str) -> Any:
    """A share link's bare player, which other sites may frame."""
    if request.method == "POST":
        return _unlock(token, "stream/embed.html")
    return _open_page(token, "stream/embed.html")


# The password form checks its own form token (see the module notes).
csrf.exempt(f"{__name__}.share_page")
csrf.exempt(f"{__name__}.share_embed")


@bp.get("/s/<token>/grant")
def renew_grant(token: str) -> Response:
    """A fresh grant (and media URLs) for a player whose grant has expired.

    The old grant must be one this link gave within the last day; the link must
    still be open. Renewing is not a new view.
    """
    link = opened_link(token)
    old = request.args.get("grant", "")
    if not grant_names(old, link.share_public_id, max_age=RENEW_SECONDS):
        raise AppError(404, LINK_NOT_FOUND)
    video, _ = watched_video(link.video_public_id, link)
    grant = make_grant(link.share_public_id)
    response = jsonify(grant=grant, urls=media_urls(video, token=token, grant=grant))
    response.headers["Cache-Control"] = "no-store"
    return response
