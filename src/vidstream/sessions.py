"""Server-side sessions: Redis when configured, else an embedded on-disk store.

Both survive a restart and are shared by every process that points at the same
Redis or data directory, so a sign-in on the auth service is honoured by upload and
stream.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import redis
from cachelib.file import FileSystemCache
from flask import Flask, Request, Response, has_request_context, request, session
from flask.sessions import SecureCookieSession, SessionMixin
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from vidstream.config import Settings
from vidstream.extensions import server_session
from vidstream.ops import OPS_PATHS

log = logging.getLogger(__name__)

# What a session store that does not answer raises (the same errors errors.py answers with 503).
STORE_DOWN = (RedisConnectionError, RedisTimeoutError)


def redis_client(url: str) -> redis.Redis:
    """A Redis client with short timeouts, so an outage becomes a 503 quickly."""
    return redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


def init_sessions(app: Flask, settings: Settings) -> None:
    """Configure Flask-Session for the chosen store and bind it to ``app``."""
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
        app.config.update(SESSION_TYPE="redis", SESSION_REDIS=redis_client(settings.redis_url))
    else:
        directory = settings.data_dir / "sessions"
        app.config.update(
            SESSION_TYPE="cachelib",
            SESSION_CACHELIB=FileSystemCache(str(directory), threshold=0, mode=0o600),
        )
    server_session.init_app(app)
    _answer_503_while_the_store_is_down(app)
    interface = app.session_interface
    configured_secure = interface.get_cookie_secure
    # Also Secure on any request that arrived over HTTPS; behind the gateway that is
    # known from X-Forwarded-Proto only when VIDSTREAM_TRUSTED_PROXIES lets ProxyFix
    # believe it, so a client cannot talk its way into or out of it.
    interface.get_cookie_secure = (  # type: ignore[method-assign]
        lambda app: configured_secure(app) or (has_request_context() and request.is_secure)
    )


class StandInSession(SecureCookieSession):
    """The empty session a request gets while the store does not answer; never saved."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error


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
        if isinstance(session, StandInSession) and not request.path.startswith(OPS_PATHS):
            raise session.error

    interface.open_session = open_or_stand_in  # type: ignore[method-assign]
    interface.save_session = save_unless_stand_in  # type: ignore[method-assign]
    app.before_request(refuse_without_store)
