"""Session lifetimes and sign-out everywhere, checked without a write per request.

A session records when it signed in (``signed_in_at``), when it was last seen
(``seen_at``) and the user's session epoch at sign-in (``epoch``). A session past the
absolute or the idle limit, or made before the user's epoch last moved (sign out
everywhere, a password change), is ended. ``seen_at`` is rewritten at most every
:data:`SEEN_RESOLUTION` seconds and never by a media request, so browsing does not
rewrite the stored session each time and byte serving never does. Media requests
check the lifetimes (no SQL) but not the epoch; docs/decisions.md explains the bound.
"""

from __future__ import annotations

import time

from flask import Flask, current_app, request, session
from sqlalchemy import select

from vidstream.config import Settings
from vidstream.extensions import db
from vidstream.models import User
from vidstream.ops import OPS_PATHS
from vidstream.security import authenticated_by_token

SEEN_RESOLUTION = 300
BYTE_PATHS = ("/media/", "/static/")


def now() -> float:
    """The clock sessions are judged by (a seam for tests)."""
    return time.time()


def start_session(user: User) -> None:
    """Sign ``user`` in under a fresh session id, so a planted id cannot be reused."""
    started = int(now())
    session.clear()
    session.update(
        user_id=user.id,
        username=user.username,
        epoch=user.session_epoch,
        signed_in_at=started,
        seen_at=started,
    )
    current_app.session_interface.regenerate(session)  # type: ignore[attr-defined]


def session_expired(settings: Settings, current: float) -> bool:
    """Whether the current session is past its absolute or idle lifetime."""
    signed_in_at = session.get("signed_in_at")
    seen_at = session.get("seen_at")
    if not isinstance(signed_in_at, int) or not isinstance(seen_at, int):
        return True
    too_old = current - signed_in_at > settings.session_lifetime_days * 86400
    too_idle = current - seen_at > settings.session_idle_minutes * 60
    return too_old or too_idle


def epoch_is_current(user_id: int) -> bool:
    """Whether the session was made since the user's epoch last moved (one indexed read)."""
    epoch = db.session.scalar(select(User.session_epoch).where(User.id == user_id))
    return epoch is not None and epoch == session.get("epoch")


def check_session() -> None:
    """End a stale session before the view runs; note activity coarsely."""
    if request.path.startswith(OPS_PATHS):
        return  # probes and scrapes must answer whatever a cookie says (or the database)
    if "user_id" not in session or authenticated_by_token():
        return
    settings: Settings = current_app.extensions["vidstream.settings"]
    current = now()
    if session_expired(settings, current):
        session.clear()
        return
    if request.path.startswith(BYTE_PATHS):
        return
    if not epoch_is_current(session["user_id"]):
        session.clear()
        return
    if current - session["seen_at"] > SEEN_RESOLUTION:
        session["seen_at"] = int(current)


def init_session_guard(app: Flask) -> None:
    """Run :func:`check_session` before every view (and before CSRF and rate limits)."""
    app.before_request(check_session)
