"""Abuse limits (Flask-Limiter): who may try how often, and what is never limited.

Counters live in Redis when it is configured, so every process and host shares them;
otherwise in a SQLite file in the data directory, shared by the processes on this
host (see :mod:`vidstream.web.ratelimit_store` and docs/decisions.md). Media byte requests are
exempt: a player sends many Range requests and they are cheap, owner-only reads.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, request
from flask_limiter import Limiter
from limits import parse_many
from werkzeug.wrappers import Response

from vidstream import current
from vidstream.config import Settings
from vidstream.web.access import current_user_id
from vidstream.web.errors import AppError
from vidstream.web.paths import PathKind, path_kind
from vidstream.web.ratelimit_store import SCHEME


def _settings() -> Settings:
    settings = current.settings()
    return settings


def client_address() -> str:
    """The caller's address (web.proxies has applied a trusted proxy's X-Forwarded-For)."""
    return request.remote_addr or "unknown"


def user_or_address() -> str:
    """Signed-in callers (session or token) are counted per user, others per address."""
    user_id = current_user_id()
    return f"user:{user_id}" if user_id is not None else f"ip:{client_address()}"


def count_sign_in_attempt(username: str) -> Callable[[], None]:
    """Count one sign-in attempt against ``username`` (known or not) before it is checked.

    Counting first means simultaneous attempts cannot all pass a limit that none of
    them has been counted against yet; a full window answers 429. The function
    returned gives the attempt back: call it once the sign-in succeeded, so an owner
    is never locked out by their own sign-ins.
    """
    limiter = current.limiter()
    if limiter is None:
        return lambda: None
    settings = _settings()
    key = (f"{settings.redis_prefix}limits", "signin_user", username[:64])
    strategy = limiter.limiter
    items = parse_many(settings.limit_signin_user)
    for item in items:
        if not strategy.hit(item, *key):
            reset = int(strategy.get_window_stats(item, *key).reset_time - time.time()) + 1
            error = AppError(429, "Too many sign-in attempts for this name. Try again later.")
            error.headers["Retry-After"] = str(max(reset, 1))
            raise error

    def give_back() -> None:
        for item in items:
            strategy.hit(item, *key, cost=-1)

    return give_back


def link_named() -> str:
    """The share link a request is for (its token's hash), so tries are counted per link."""
    token = (request.view_args or {}).get("token", "")
    return "link:" + hashlib.sha256(str(token).encode()).hexdigest()


def failed_try(response: Response) -> bool:
    """Only failed tries count (a wrong password), so a rightful user is not locked out."""
    return response.status_code >= 400


def _never_limited() -> bool:
    """Requests no limit applies to, default or per route: media, static, ops, OPTIONS.

    Media bytes (a player sends many Range requests), static files, and the probes
    and scrapes of the monitoring system never count against a limit.
    """
    return not path_kind(request.path).rate_limited or request.method == "OPTIONS"


def _exempt() -> bool:
    """Requests the default limit skips (per-route limits still apply)."""
    # tus chunks and offset checks of an upload already created (and counted): a fast
    # link sends many, and each is bound to its owner's upload, size and quota.
    return path_kind(request.path) is PathKind.UPLOADS and request.method in ("PATCH", "HEAD")


def _limit(field: str) -> Callable[[], str]:
    return lambda: str(getattr(_settings(), field))


@dataclass(frozen=True)
class RouteLimit:
    """One limit on one endpoint: which setting, counted per what, and when."""

    endpoint: str
    setting: str
    key: Callable[[], str]
    deduct_when: Callable[[Response], bool] | None = None
    # Endpoints with the same shared scope draw on one counter.
    shared: str | None = None


# The per-username sign-in limit is counted in the view: count_sign_in_attempt.
ROUTE_LIMITS = (
    RouteLimit("auth.signin", "limit_signin_ip", client_address),
    RouteLimit("auth.signup", "limit_signup_ip", client_address),
    # The second step and passkey sign-in: per address here, per name in the view.
    RouteLimit("auth.signin_second_factor", "limit_signin_ip", client_address),
    RouteLimit("auth.signin_passkey", "limit_signin_ip", client_address),
    RouteLimit("upload.upload", "limit_upload_user", user_or_address, shared="uploads"),
    RouteLimit("upload.tus.tus_create", "limit_upload_user", user_or_address, shared="uploads"),
    # Password tries on a share link, its page and its embed alike; right ones are free.
    RouteLimit("stream.share_page", "limit_share_unlock", link_named, failed_try, "unlock"),
    RouteLimit("stream.share_embed", "limit_share_unlock", link_named, failed_try, "unlock"),
)


def init_limits(app: Flask, settings: Settings) -> None:
    """Give ``app`` its own limiter (call after the blueprints are registered).

    One limiter per app, not a module-level one: Flask-Limiter keeps its store and
    options on the instance, and one process may build several apps.
    """
    if not settings.rate_limits:
        return
    limiter = Limiter(
        key_func=user_or_address,
        default_limits=[_limit("limit_api_user")],
        default_limits_exempt_when=_exempt,
        headers_enabled=True,
        strategy="fixed-window",
        storage_uri=settings.redis_url or f"{SCHEME}://{settings.data_dir / 'limits.db'}",
        storage_options=(
            {"socket_connect_timeout": 2, "socket_timeout": 5} if settings.redis_url else {}
        ),
        key_prefix=f"{settings.redis_prefix}limits",
        # A store that does not answer fails the request with a 503 rather than letting
        # it through uncounted (see docs/decisions.md, "Rate limits while Redis is down").
        swallow_errors=False,
        in_memory_fallback_enabled=False,
    )
    limiter.init_app(app)
    # Checked before the limiter resolves any limit: media bytes and static files skip
    # it outright (a player's Range requests are the byte path's hot loop).
    limiter.request_filter(_never_limited)
    for rule in ROUTE_LIMITS:
        view = app.view_functions.get(rule.endpoint)
        if view is None:
            continue  # that service is not part of this app
        options: dict[str, Any] = {
            "key_func": rule.key,
            "methods": ["POST"],
            "deduct_when": rule.deduct_when,
        }
        decorate = (
            limiter.shared_limit(_limit(rule.setting), scope=rule.shared, **options)
            if rule.shared
            else limiter.limit(_limit(rule.setting), **options)
        )
        app.view_functions[rule.endpoint] = decorate(view)  # type: ignore[assignment]
    current.install_limiter(app, limiter)
