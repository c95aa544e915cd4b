"""Server-side sessions: the store, lifetimes, and sign-out everywhere.

Sessions live in Redis when configured, else in an embedded on-disk store. Both
survive a restart and are shared by every process that points at the same Redis or
data directory, so a sign-in on the auth service is honoured by upload and stream.

A session records when it signed in (``signed_in_at``), when it was last seen
(``seen_at``) and the user's session epoch at sign-in (``epoch``). A session past the
absolute or the idle limit, or made before the user's epoch last moved (sign out
everywhere, a password change), is ended. ``seen_at`` is rewritten at most every
:data:`SEEN_RESOLUTION` seconds and never by a media request, so browsing does not
rewrite the stored session each time and byte serving never does. Media requests
check the lifetimes and the epoch too, the epoch from the media index (one Redis GET
when warm, no SQL), which every move of the epoch, a disabled account and a deleted
one update at once. A session also notes its device and address, and the account's
index of its sessions (web/session_list.py) lets the account page list them and end
one by deleting it from the store.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import redis
from flask import (
    Flask,
    Request,
    Response,
    current_app,
    g,
    has_request_context,
    request,
    session,
)
from flask.sessions import SecureCookieSession, SessionMixin
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy import select, update

from vidstream import current
from vidstream.config import Settings
from vidstream.extensions import db, server_session
from vidstream.media_index import prime_epoch, user_epoch
from vidstream.models import User
from vidstream.models.base import utcnow
from vidstream.web.access import authenticated_by_token
from vidstream.web.devices import describe_device
from vidstream.web.paths import PathKind, path_kind
from vidstream.web.session_files import SessionFiles
from vidstream.web.session_list import note_session_started, still_listed

log = logging.getLogger(__name__)

# What a session store that does not answer raises (the same errors errors.py answers with 503).
STORE_DOWN = (RedisConnectionError, RedisTimeoutError)


def connect_redis(url: str) -> redis.Redis:
    """A Redis client with short timeouts, so an outage becomes a 503 quickly."""
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def init_sessions(app: Flask, settings: Settings) -> None:
    """Configure Flask-Session for the chosen store, bind it to ``app``, guard lifetimes."""
    app.config.update(
        SESSION_PERMANENT=True,
        PERMANENT_SESSION_LIFETIME=timedelta(days=settings.session_lifetime_days),
        # Refreshing would rewrite the stored session (and re-send the cookie) on every
        # request, media Range requests included; a session lasts its lifetime from
        # sign-in instead.
        SESSION_REFRESH_EACH_REQUEST=False,
        SESSION_KEY_PREFIX=f"{settings.redis_prefix}session:",
        SESSION_COOKIE_NAME="vidstream_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.public_url.startswith("https://"),
    )
    if settings.redis_url:
        app.config.update(SESSION_TYPE="redis", SESSION_REDIS=connect_redis(settings.redis_url))
    else:
        store = SessionFiles(
            settings.data_dir / "sessions",
            settings.session_store_limit,
            clock=lambda: now(),
            counter=settings.data_dir / "sessions.generation",
        )
        app.config.update(SESSION_TYPE="cachelib", SESSION_CACHELIB=store)
    server_session.init_app(app)
    _short_lives_until_sign_in(app, timedelta(minutes=settings.session_idle_minutes))
    _answer_503_while_the_store_is_down(app)
    # Stale sessions end before any view, CSRF check or rate limit sees them.
    app.before_request(check_session)
    interface = app.session_interface
    configured_secure = interface.get_cookie_secure
    # Also Secure on any request that arrived over HTTPS; behind the gateway that is
    # known from X-Forwarded-Proto only when it comes from VIDSTREAM_TRUSTED_PROXY_NETWORKS,
    # so a client cannot talk its way into or out of it.
    interface.get_cookie_secure = (  # type: ignore[method-assign]
        lambda app: configured_secure(app) or (has_request_context() and request.is_secure)
    )


class StandInSession(SecureCookieSession):
    """The empty session a request gets while the store does not answer; never saved."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error


def _short_lives_until_sign_in(app: Flask, anonymous: timedelta) -> None:
    """A visitor's session (a CSRF token for the sign-in form) lasts ``anonymous``, not days.

    Every form page stores a session, so anonymous ones are most of them; stored for
    the signed-in lifetime they would pile up for two weeks. The stored copy and the
    cookie both get the short life; sign-in starts a new session with the long one.
    """
    interface = app.session_interface
    upsert, expiration = interface._upsert_session, interface.get_expiration_time  # type: ignore[attr-defined]

    def lifetime(session: SessionMixin, signed_in: timedelta) -> timedelta:
        return signed_in if "user_id" in session else min(anonymous, signed_in)

    def upsert_for(signed_in: timedelta, session: Any, store_id: str) -> None:
        upsert(lifetime(session, signed_in), session, store_id)

    def expires_for(app: Flask, session: SessionMixin) -> datetime | None:
        if "user_id" in session or not session.permanent:
            return expiration(app, session)
        return datetime.now(UTC) + lifetime(session, app.permanent_session_lifetime)

    interface._upsert_session = upsert_for  # type: ignore[attr-defined]
    interface.get_expiration_time = expires_for  # type: ignore[method-assign]


def _answer_503_while_the_store_is_down(app: Flask) -> None:
    """A session store that does not answer makes a request a 503, never a 500.

    Flask opens the session before any hook, view or error handler runs, so an error
    there would escape them all. Instead the request gets a :class:`StandInSession`,
    and the first before-request hook raises the store's error for the 503 handler
    (the operations endpoints need no session and go on). A store that fails while a
    session is being saved is logged, and the answer is sent as it is.
    """
    interface = app.session_interface
    open_session, save_session = interface.open_session, interface.save_session

    def open_or_stand_in(app: Flask, request: Request) -> SessionMixin | None:
        try:
            return open_session(app, request)
        except STORE_DOWN as error:
            return StandInSession(error)

    def save_unless_stand_in(app: Flask, session: SessionMixin, response: Response) -> None:
        if isinstance(session, StandInSession):
            return
        try:
            save_session(app, session, response)
        except STORE_DOWN as error:
            log.warning("session not saved: the session store did not answer (%s)", error)

    def refuse_without_store() -> None:
        if isinstance(session, StandInSession) and path_kind(request.path).needs_session:
            raise session.error

    interface.open_session = open_or_stand_in  # type: ignore[method-assign]
    interface.save_session = save_unless_stand_in  # type: ignore[method-assign]
    app.before_request(refuse_without_store)


# How often a session's last-seen time (and address) is rewritten: the sessions list
# shows it to the minute, and browsing does not rewrite the stored session each time.
SEEN_RESOLUTION = 60


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
        device=describe_device(request.user_agent.string)[:80],
        address=request.remote_addr or "",
        listed=True,
    )
    current_app.session_interface.regenerate(session)  # type: ignore[attr-defined]
    prime_epoch(user.id, user.session_epoch)
    note_session_started(user.id, session.sid)  # type: ignore[attr-defined]


def session_expired(settings: Settings, current: float, data: Any = None) -> bool:
    """Whether the session (``data``, by default the current one) is past a lifetime."""
    data = session if data is None else data
    signed_in_at = data.get("signed_in_at")
    seen_at = data.get("seen_at")
    if not isinstance(signed_in_at, int) or not isinstance(seen_at, int):
        return True
    too_old = current - signed_in_at > settings.session_lifetime_days * 86400
    too_idle = current - seen_at > settings.session_idle_minutes * 60
    return too_old or too_idle


def account_is_current(user_id: int) -> bool:
    """Whether the account is enabled and the session made since its epoch last moved.

    One indexed read, which also gives the role the route permission check needs.
    """
    row = db.session.execute(
        select(User.session_epoch, User.role, User.disabled_at).where(User.id == user_id)
    ).first()
    if row is None or row.disabled_at is not None or row.session_epoch != session.get("epoch"):
        return False
    g.vidstream_role = row.role
    return True


def _note_seen(user_id: int, moment: float) -> None:
    """Record activity and address in the session and on the account (at most each minute)."""
    session["seen_at"] = int(moment)
    session["address"] = request.remote_addr or ""
    db.session.execute(update(User).where(User.id == user_id).values(last_seen_at=utcnow()))
    db.session.commit()


def check_session() -> None:
    """End a stale session before the view runs; note activity coarsely."""
    kind = path_kind(request.path)
    if not kind.needs_session:
        return  # probes and scrapes must answer whatever a cookie says (or the database)
    if "user_id" not in session or authenticated_by_token():
        return
    settings = current.settings()
    moment = now()
    if session_expired(settings, moment):
        session.clear()
        return
    if kind is PathKind.MEDIA:
        # The byte path's own check: one Redis GET when warm, never SQL (media_index.py).
        if user_epoch(session["user_id"]) != session.get("epoch"):
            session.clear()
        return
    if kind.serves_bytes:
        return
    if not account_is_current(session["user_id"]):
        session.clear()
        return
    if moment - session["seen_at"] > SEEN_RESOLUTION:
        if not still_listed(session["user_id"], session.sid, session):  # type: ignore[attr-defined]
            session.clear()  # signed out from the sessions list while a request was in flight
            return
        _note_seen(session["user_id"], moment)
