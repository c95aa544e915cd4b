"""The application factory: one package, any subset of the three services.

``create_app`` reads like a table of contents: one call per subsystem, in the order
their request hooks must run (sessions, then CSRF, then rate limits, then the route
permission table).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from flask import Flask, redirect, session
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError

from vidstream import current
from vidstream.config import SERVICES, ConfigError, Settings, load_settings
from vidstream.extensions import db
from vidstream.jobs.celery_app import init_celery
from vidstream.models import Role
from vidstream.ops.health import init_ops
from vidstream.ops.logs import configure_logging
from vidstream.storage import storage_from_url
from vidstream.web.access import current_role, init_csrf
from vidstream.web.bodies import FORM_BODY_BYTES
from vidstream.web.errors import register_errorhandlers
from vidstream.web.headers import init_security_headers
from vidstream.web.permissions import init_permissions
from vidstream.web.proxies import TrustedProxies
from vidstream.web.ratelimits import init_limits
from vidstream.web.sessions import connect_redis, init_sessions
from vidstream.web.urls import build_url_map, service_url


def create_app(
    config: Settings | Mapping[str, Any] | None = None,
    services: Iterable[str] | None = None,
) -> Flask:
    """Build a vidstream app serving ``services`` (default: the configured ones, or all)."""
    settings = config if isinstance(config, Settings) else load_settings(**dict(config or {}))
    if services is not None:
        chosen = tuple(services)
        if unknown := [s for s in chosen if s not in SERVICES]:
            raise ConfigError(f"unknown service(s): {', '.join(unknown)}")
        settings = replace(settings, services=chosen)
    app = Flask(__name__)
    configure(app, settings)
    register_extensions(app, settings)
    init_sessions(app, settings)
    init_csrf(app)
    register_blueprints(app, settings)
    init_limits(app, settings)
    init_permissions(app)
    init_ops(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    init_security_headers(app, settings)
    install_wsgi_layers(app, settings)
    return app


def configure(app: Flask, settings: Settings) -> None:
    """Copy settings into Flask's config and prepare the data directory."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.staging_dir.mkdir(parents=True, exist_ok=True)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        TESTING=settings.testing,
        SQLALCHEMY_DATABASE_URI=settings.database_url,
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(settings.database_url),
        # The upload routes raise it once the caller is known (web.bodies).
        MAX_CONTENT_LENGTH=FORM_BODY_BYTES,
        WTF_CSRF_TIME_LIMIT=None,
        # web.access.init_csrf installs the check instead, skipping Bearer-token requests.
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_SSL_STRICT=False,
    )
    configure_logging(settings.log_format, settings.log_file)


def install_wsgi_layers(app: Flask, settings: Settings) -> None:
    """Wrap Flask in what runs before it: the media fast path, then the proxy headers.

    X-Forwarded-* are believed only from the proxies we run (web.proxies); the fast path
    (services/stream/fast_path.py) answers allowed byte requests of the stream service
    without Flask's dispatch, and passes everything else on.
    """
    if "stream" in settings.services:
        from vidstream.services.stream.fast_path import MediaFastPath

        app.wsgi_app = MediaFastPath(app, app.wsgi_app)  # type: ignore[method-assign]
    app.wsgi_app = TrustedProxies(app.wsgi_app, settings.trusted_proxy_networks)  # type: ignore[method-assign]


def _engine_options(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True, "pool_recycle": 1800}


def register_extensions(app: Flask, settings: Settings) -> None:
    """Bind the database; build the storage backend, Redis and the job queue once."""
    redis = connect_redis(settings.redis_url) if settings.redis_url else None
    current.install_core(app, settings, storage_from_url(settings.storage_url), redis)
    db.init_app(app)
    _tune_sqlite(app)
    init_celery(app)


def _tune_sqlite(app: Flask) -> None:
    """WAL lets readers proceed while an upload commits; foreign keys enforce cascades."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "sqlite":
            return

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()


def register_blueprints(app: Flask, settings: Settings) -> None:
    """Register the chosen services; build links for all of them."""
    from vidstream.openapi import bp as openapi_bp
    from vidstream.services.auth import bp as auth_bp
    from vidstream.services.stream import bp as stream_bp
    from vidstream.services.upload import bp as upload_bp
    from vidstream.services.upload.staging import StagedUploadRequest

    every = {"auth": auth_bp, "upload": upload_bp, "stream": stream_bp}
    for name in settings.services:
        app.register_blueprint(every[name])
    if "upload" in settings.services:
        app.request_class = StagedUploadRequest
    # Every service serves a part of /api/, so each one describes all of it.
    app.register_blueprint(openapi_bp)
    current.install_url_map(app, build_url_map(every))
    if "auth" not in settings.services:
        app.add_url_rule("/", "home", lambda: redirect(service_url("stream.library")))


def _role_for_pages() -> Role | None:
    """The caller's role for the navigation, or None when it cannot be read.

    Error pages render the navigation too; a 503 for a database that does not answer
    must not turn into a 500 while its page asks the database who is signed in.
    """
    try:
        return current_role()
    except SQLAlchemyError:
        return None


def register_template_helpers(app: Flask) -> None:
    """Expose link building, the CSRF token and the signed-in name to templates."""

    @app.context_processor
    def _helpers() -> dict[str, Any]:
        return {
            "service_url": service_url,
            "csrf_token": generate_csrf,
            "signed_in_name": session.get("username"),
            "signed_in_role": _role_for_pages,
        }
