"""One error type for everything a user can cause, rendered as HTML or JSON.

Views raise :class:`AppError` (or a werkzeug ``HTTPException``); the handlers here
turn either into a page or a ``{"error": {...}}`` body with the right status. An
unexpected exception is logged and answered with a plain 500 page, never a traceback.
"""

from __future__ import annotations

import logging
import re
import sqlite3

from flask import Flask, Response, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from vidstream.storage import StorageError, StorageFullError
from vidstream.web.paths import path_kind

log = logging.getLogger(__name__)

TITLES = {
    400: "Bad request",
    401: "Sign-in required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    410: "No longer available",
    413: "Too large",
    415: "Unsupported file type",
    416: "Range not satisfiable",
    422: "Cannot process this file",
    429: "Too many requests",
    500: "Something went wrong",
    501: "Not offered",
    503: "Temporarily unavailable",
    507: "Out of storage space",
}


CSRF_FAILED = "This form has expired or did not come from this site. Reload the page and try again."


def default_code(status: int) -> str:
    """The machine-readable code of a status, in snake case: ``sign_in_required``."""
    return re.sub(r"[^a-z]+", "_", TITLES.get(status, "error").lower())


class AppError(Exception):
    """An error a user can cause, with the status and message they should see."""

    def __init__(self, status: int, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code or default_code(status)
        self.headers: dict[str, str] = {}


def wants_json() -> bool:
    """Whether the current request should get a JSON error body."""
    if path_kind(request.path).wants_json_errors:
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def render_error(status: int, message: str, code: str) -> Response:
    """Build the response for an error, HTML or JSON by content negotiation."""
    if wants_json():
        response = jsonify(error={"status": status, "code": code, "message": message})
    else:
        title = TITLES.get(status, "Error")
        response = Response(
            render_template("errors/error.html", status=status, title=title, message=message)
        )
    response.status_code = status
    return response


def _handle_app_error(error: AppError) -> Response:
    response = render_error(error.status, error.message, error.code)
    response.headers.update(error.headers)
    return response


def _handle_csrf(error: CSRFError) -> Response:
    return render_error(400, CSRF_FAILED, "csrf_failed")


def _handle_http(error: HTTPException) -> Response:
    status = error.code or 500
    message = error.description or TITLES.get(status, "Error")
    if status == 413:
        message = "The upload is larger than this server accepts."
    response = render_error(status, message, default_code(status))
    for name, value in error.get_headers():
        if name.lower() not in ("content-type", "content-length"):
            response.headers[name] = value
    return response


def _handle_unavailable(error: Exception) -> Response:
    log.warning("backing service unavailable: %s", error)
    response = render_error(
        503, "vidstream is temporarily unavailable. Please try again in a moment.", "unavailable"
    )
    response.headers["Retry-After"] = "5"
    return response


def _handle_storage_full(error: StorageFullError) -> Response:
    log.error("storage full: %s", error)
    return render_error(507, "The server is out of storage space for videos.", "storage_full")


def _handle_unexpected(error: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return render_error(500, "Something went wrong on our side. Please try again.", "internal")


def register_errorhandlers(app: Flask) -> None:
    """Install the handlers that turn exceptions into clear responses."""
    app.register_error_handler(AppError, _handle_app_error)
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(OperationalError, _handle_unavailable)
    # The embedded rate-limit counters (ratelimit_store.py) use sqlite3 directly.
    app.register_error_handler(sqlite3.OperationalError, _handle_unavailable)
    app.register_error_handler(RedisConnectionError, _handle_unavailable)
    app.register_error_handler(RedisTimeoutError, _handle_unavailable)
    app.register_error_handler(StorageError, _handle_unavailable)
    app.register_error_handler(StorageFullError, _handle_storage_full)
    app.register_error_handler(Exception, _handle_unexpected)
