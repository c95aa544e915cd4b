"""Typed accessors for what an app shares with every request, task and command.

``create_app`` builds each of these once and the ``install_*`` calls keep them on the
app;
code reaches them as ``current.settings()``, ``current.storage()`` and so on, inside
an app context, or with an explicit ``app`` outside one (a gunicorn hook, a worker
thread). One name per shared thing, one place that knows where it is kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from flask import Flask, current_app

from vidstream.config import Settings
from vidstream.storage import Storage

if TYPE_CHECKING:
    import redis as redis_lib
    from celery import Celery
    from flask_limiter import Limiter
    from werkzeug.routing import Map

_SETTINGS = "vidstream.settings"
_STORAGE = "vidstream.storage"
_REDIS = "vidstream.redis"
_URL_MAP = "vidstream.url_map"
_CELERY = "celery"  # the name Flask's Celery pattern uses
_LIMITER = "vidstream.limiter"


def _app(app: Flask | None) -> Flask:
    return app if app is not None else cast(Flask, current_app._get_current_object())  # type: ignore[attr-defined]


def settings(app: Flask | None = None) -> Settings:
    """The app's validated settings."""
    return cast(Settings, _app(app).extensions[_SETTINGS])


def storage(app: Flask | None = None) -> Storage:
    """The configured storage backend (a folder or an S3 bucket)."""
    return cast(Storage, _app(app).extensions[_STORAGE])


def redis(app: Flask | None = None) -> redis_lib.Redis | None:
    """The Redis client when ``VIDSTREAM_REDIS_URL`` is set, else None (embedded mode)."""
    return cast("redis_lib.Redis | None", _app(app).extensions.get(_REDIS))


def url_map(app: Flask | None = None) -> Map:
    """Every service's URL rules, for links across services and the API description."""
    return cast("Map", _app(app).extensions[_URL_MAP])


def celery(app: Flask | None = None) -> Celery:
    """The Celery app bound to this Flask app."""
    return cast("Celery", _app(app).extensions[_CELERY])


def limiter(app: Flask | None = None) -> Limiter | None:
    """The abuse limiter (Flask-Limiter) and its counter store; None with limits off."""
    return cast("Limiter | None", _app(app).extensions.get(_LIMITER))


def install_core(
    app: Flask, settings: Settings, storage: Storage, redis: redis_lib.Redis | None
) -> None:
    """Keep the settings, the storage backend and the optional Redis client on ``app``."""
    app.extensions.update({_SETTINGS: settings, _STORAGE: storage, _REDIS: redis})


def install_url_map(app: Flask, url_map: Map) -> None:
    """Keep every service's URL rules on ``app``."""
    app.extensions[_URL_MAP] = url_map


def install_celery(app: Flask, celery: Celery) -> None:
    """Keep the Celery app bound to ``app``."""
    app.extensions[_CELERY] = celery


def install_limiter(app: Flask, limiter: Limiter) -> None:
    """Keep the abuse limiter on ``app``."""
    app.extensions[_LIMITER] = limiter
