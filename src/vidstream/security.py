"""Who is asking, and may they see this? The one place access is decided."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import redirect, request, session
from sqlalchemy import select
from werkzeug.wrappers import Response

from vidstream.errors import AppError, wants_json
from vidstream.extensions import db
from vidstream.media_index import MediaInfo, media_info
from vidstream.models import User, Video
from vidstream.urls import service_url

P = ParamSpec("P")
R = TypeVar("R")

NOT_FOUND = "No video with that id exists in your library."


def current_user_id() -> int | None:
    """The signed-in user's id from the server-side session, without touching SQL."""
    value = session.get("user_id")
    return value if isinstance(value, int) else None


def current_user() -> User | None:
    """The signed-in user's row, or None."""
    user_id = current_user_id()
    return db.session.get(User, user_id) if user_id is not None else None


def sign_in_redirect() -> Response:
    """Send a browser to the sign-in page, returning here afterwards."""
    return redirect(service_url("auth.signin", next=request.url))


def login_required(view: Callable[P, R]) -> Callable[P, R | Response]:
    """Pages redirect to sign-in; API and media calls get 401 with a JSON body."""

    @functools.wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R | Response:
        if current_user_id() is None:
            if wants_json() or request.method not in ("GET", "HEAD"):
                raise AppError(401, "Sign in to continue.")
            return sign_in_redirect()
        return view(*args, **kwargs)

    return wrapped


def owned_media(public_id: str) -> MediaInfo:
    """Serving facts for a video the current user owns; 404 for anyone else's."""
    info = media_info(public_id)
    if info is None or info.owner_id != current_user_id():
        raise AppError(404, NOT_FOUND)
    return info


def owned_video(public_id: str) -> Video:
    """The row of a video the current user owns; 404 for anyone else's or none."""
    video = db.session.scalar(
        select(Video).where(Video.public_id == public_id, Video.owner_id == current_user_id())
    )
    if video is None:
        raise AppError(404, NOT_FOUND)
    return video
