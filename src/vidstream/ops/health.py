"""Operations endpoints on every app: liveness, readiness and Prometheus metrics.

``/healthz`` only says the process answers. ``/readyz`` checks what a request needs
(database and its schema, Redis when configured, storage) and answers 503 naming what
is down; a schema that is behind is named with the command that brings it up to date.
``/metrics`` is for the monitoring system, not the public: it answers loopback
clients, or anyone presenting ``VIDSTREAM_METRICS_TOKEN`` as a Bearer token.
"""

from __future__ import annotations

import hmac
import logging
import time

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from vidstream import current
from vidstream.extensions import db
from vidstream.migrations.runner import SchemaBehind, check_schema
from vidstream.ops.metrics import metrics, render_metrics
from vidstream.web.errors import AppError
from vidstream.web.proxies import from_this_host

bp = Blueprint("ops", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
def healthz() -> Response:
    """The process is alive and answering."""
    return jsonify(status="ok")


def _check_database() -> None:
    db.session.execute(text("SELECT 1"))


def _check_schema() -> None:
    check_schema(current_app)


def _check_redis() -> None:
    client = current.redis()
    if client is not None:
        client.ping()


def _check_storage() -> None:
    storage = current.storage()
    storage.check_ready()


CHECKS = {
    "database": _check_database,
    "schema": _check_schema,
    "redis": _check_redis,
    "storage": _check_storage,
}


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    """200 when database, schema, Redis and storage are fine; 503 naming each one that is not."""
    down: dict[str, str] = {}
    for name, check in CHECKS.items():
        if name == "schema" and "database" in down:
            continue
        try:
            check()
        except SchemaBehind as error:
            down[name] = str(error)
        except Exception as error:
            down[name] = error.__class__.__name__
    db.session.rollback()
    if down:
        return jsonify(status="unavailable", down=down), 503
    return jsonify(status="ok"), 200


def _may_scrape() -> bool:
    token = current.settings().metrics_token
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(given.encode(), token.encode())
    # The connection's own peer, never an address that forwarding headers name.
    return from_this_host()


@bp.get("/metrics")
def metrics_endpoint() -> Response:
    """Prometheus text format; 404 to anyone who may not scrape."""
    if not _may_scrape():
        raise AppError(404, "Not Found")
    try:
        _update_job_gauge()
    except SQLAlchemyError:
        # The request counts are still worth having while the database is away.
        db.session.rollback()
        log.warning("videos per state not counted: the database did not answer")
    body, content_type = render_metrics()
    return Response(body, content_type=content_type)


def _update_job_gauge() -> None:
    """Videos per processing state, counted now (only when scraped, never per request)."""
    from vidstream.models.video import Video, VideoStatus

    counts = dict(
        db.session.execute(select(Video.status, func.count()).group_by(Video.status)).all()
    )
    gauge = metrics().videos
    for status in VideoStatus:
        gauge.labels(state=status.value).set(counts.get(status, 0))
    db.session.rollback()


def _start_timer() -> None:
    g.vidstream_started = time.perf_counter()


def _observe(response: Response) -> Response:
    started = g.get("vidstream_started")
    if started is None:
        return response
    rule = request.url_rule
    route = rule.rule if rule is not None else "<unmatched>"
    m = metrics()
    m.requests.labels(request.method, route, str(response.status_code)).inc()
    m.latency.labels(route).observe(time.perf_counter() - started)
    return response


def init_ops(app: Flask) -> None:
    """Register the operations routes and per-request metrics on ``app``."""
    app.register_blueprint(bp)
    app.before_request(_start_timer)
    app.after_request(_observe)
