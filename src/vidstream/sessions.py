"""Server-side sessions: Redis when configured, else an embedded on-disk store.

Both survive a restart and are shared by every process that points at the same
Redis or data directory, so a sign-in on the auth service is honoured by upload and
stream.
"""

from __future__ import annotations

from datetime import timedelta

import redis
from cachelib.file import FileSystemCache
from flask import Flask, has_request_context, request

from vidstream.config import Settings
from vidstream.extensions import server_session


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
    interface = app.session_interface
    configured_secure = interface.get_cookie_secure
    # Also Secure on any request that arrived over HTTPS; behind the gateway that is
    # known from X-Forwarded-Proto only when VIDSTREAM_TRUSTED_PROXIES lets ProxyFix
    # believe it, so a client cannot talk its way into or out of it.
    interface.get_cookie_secure = (  # type: ignore[method-assign]
        lambda app: configured_secure(app) or (has_request_context() and request.is_secure)
    )
