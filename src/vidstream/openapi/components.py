"""The reusable parts of the API description: schemas, security schemes, headers, errors.

Enumerations come from the code they describe (video states, processing steps, the tus
version and extensions), so the description cannot drift from them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from vidstream.models import CaptionSource, ProcessingStep, VideoStatus, Visibility
from vidstream.services.upload.tus.protocol import CHECKSUM_ALGORITHMS, TUS_VERSION

Object = dict[str, Any]

JSON = "application/json"
# What new_public_id() makes: 16 random bytes, URL-safe base64 without padding.
PUBLIC_ID: Object = {"type": "string", "pattern": "^[A-Za-z0-9_-]{22}$"}
HTTP_DATE = r"^[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$"
# The cookie Flask-Session sets (vidstream.web.sessions); a test compares the two.
SESSION_COOKIE = "vidstream_session"

SIGNED_IN: list[Object] = [{"bearerToken": []}, {"sessionCookie": []}]
ANYONE: list[Object] = []


def schema_ref(name: str) -> Object:
    """A reference to ``#/components/schemas/<name>``."""
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(kind: str, **keywords: Any) -> Object:
    return {"type": [kind, "null"], **keywords}


def _strict_object(properties: Mapping[str, Object], required: list[str] | None = None) -> Object:
    """An object with exactly these properties (all required unless named otherwise)."""
    return {
        "type": "object",
        "required": list(properties) if required is None else required,
        "additionalProperties": False,
        "properties": dict(properties),
    }


URL: Object = {"type": "string", "format": "uri-reference", "minLength": 1}
# What models/caption.py normal_language() makes: en, pt-BR, zh-Hant, es-419.
LANGUAGE_TAG: Object = {
    "type": "string",
    "pattern": "^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$",
}

SCHEMAS: dict[str, Object] = {
    "Error": _strict_object(
        {
            "error": _strict_object(
                {
                    "status": {"type": "integer", "minimum": 400, "maximum": 599},
                    "code": {
                        "type": "string",
                        "pattern": "^[a-z_]+$",
                        "description": "Stable, machine-readable: not_found, conflict, "
                        "quota_exceeded, checksum_mismatch, unsupported_version, ...",
                    },
                    "message": {
                        "type": "string",
                        "minLength": 1,
                        "description": "What went wrong and what to do, for a person.",
                    },
                }
            )
        }
    ),
    "Session": _strict_object(
        {
            "user": {
                **_strict_object({"username": {"type": "string", "minLength": 1}}),
                "type": ["object", "null"],
                "description": "The signed-in user, or null.",
            },
            "csrf_token": {
                "type": "string",
                "minLength": 1,
                "description": "Send as X-CSRFToken with unsafe requests of this session.",
            },
        }
    ),
    "Processing": _strict_object(
        {
            "step": {"type": "string", "enum": [step.value for step in ProcessingStep]},
            "label": {"type": "string", "minLength": 1, "description": "The step, for people."},
            "progress": {"type": "number", "minimum": 0, "maximum": 1},
        }
    ),
    "CaptionLink": _strict_object(
        {"language": LANGUAGE_TAG, "label": {"type": "string", "minLength": 1}, "url": URL}
    ),
    "Caption": _strict_object(
        {
            "language": LANGUAGE_TAG,
            "label": {"type": "string", "minLength": 1},
            "source": {
                "type": "string",
                "enum": [source.value for source in CaptionSource],
                "description": "upload: sent by the owner; file: a text subtitle track "
                "found inside the uploaded video.",
            },
            "created_at": {"type": "string", "format": "date-time"},
            "url": {**URL, "description": "The WebVTT file (text/vtt)."},
        }
    ),
    "CaptionEnvelope": _strict_object({"caption": schema_ref("Caption")}),
    "VideoUrls": _strict_object(
        {
            "page": URL,
            "original": URL,
            "poster": URL,
            "thumbnail": URL,
            "storyboard": URL,
            "chapters": URL,
            "hls": URL,
            "captions": {"type": "array", "items": schema_ref("CaptionLink")},
        },
        required=["page", "original", "captions"],
    ),
    "Video": _strict_object(
        {
            "id": PUBLIC_ID,
            "title": {"type": "string"},
            "description": {"type": "string"},
            "visibility": {"type": "string", "enum": [v.value for v in Visibility]},
            "tags": {"type": "array", "items": {"type": "string", "minLength": 1}},
            "original_filename": {
                "type": "string",
                "description": "The uploader's file name, kept only as data.",
            },
            "size_bytes": {"type": "integer", "minimum": 0},
            "content_type": {"type": "string", "minLength": 1},
            "duration_seconds": _nullable("number", minimum=0),
            "width": _nullable("integer", minimum=1),
            "height": _nullable("integer", minimum=1),
            "video_codec": _nullable("string"),
            "audio_codec": _nullable("string"),
            "status": {
                "type": "string",
                "enum": [status.value for status in VideoStatus],
                "description": "uploading → validating → ready_original → processing → "
                "ready | failed. Playable from ready_original on.",
            },
            "status_reason": _nullable("string", description="Why processing failed."),
            "processing": schema_ref("Processing"),
            "captions": {"type": "array", "items": schema_ref("Caption")},
            "created_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
            "urls": schema_ref("VideoUrls"),
        }
    ),
    "VideoEnvelope": _strict_object({"video": schema_ref("Video")}),
}

SECURITY_SCHEMES: dict[str, Object] = {
    "bearerToken": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "vs_ followed by 43 URL-safe characters",
        "description": "A personal access token (the Tokens page, or `vidstream tokens "
        "create`). A request carrying one is judged by it alone and needs no CSRF token. "
        "An unknown or revoked token gets 401 with "
        '`WWW-Authenticate: Bearer error="invalid_token"`.',
    },
    "sessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": "The browser session made by signing in. Unsafe methods also need "
        "the session's CSRF token in `X-CSRFToken` (from `GET /api/session`).",
    },
}

VERSION: Object = {"type": "string", "enum": [TUS_VERSION]}
COUNT: Object = {"type": "integer", "minimum": 0}

_HEADERS: dict[str, tuple[str, Object]] = {
    "Tus-Resumable": ("The tus version this server speaks.", VERSION),
    "Tus-Version": ("Every tus version this server speaks.", VERSION),
    "Tus-Extension": ("The tus extensions supported, comma-separated.", {"type": "string"}),
    "Tus-Max-Size": ("The largest Upload-Length accepted, in bytes.", COUNT),
    "Tus-Checksum-Algorithm": (
        f"Algorithms Upload-Checksum may name: {', '.join(CHECKSUM_ALGORITHMS)}.",
        {"type": "string"},
    ),
    "Upload-Offset": ("Bytes the server holds durably.", COUNT),
    "Upload-Length": ("The upload's total size in bytes.", COUNT),
    "Upload-Expires": (
        "When the upload is deleted unless more bytes arrive (RFC 9110 date).",
        {"type": "string", "pattern": HTTP_DATE},
    ),
    "Upload-Metadata": ("The metadata given at creation, re-encoded.", {"type": "string"}),
    "Upload-Video-Id": ("Once complete: the id of the video it became.", PUBLIC_ID),
    "Upload-Video-Url": ("Once complete: the page of the video it became.", URL),
    "Location": ("The new upload's URL.", URL),
    "Cache-Control": ("Upload state is never cached.", {"type": "string", "enum": ["no-store"]}),
    "WWW-Authenticate": ("Sent when a Bearer token was refused.", {"type": "string"}),
    "Retry-After": ("Seconds to wait before trying again.", COUNT),
    "ETag": ("Validator for If-None-Match.", {"type": "string"}),
}


def headers(*names: str, optional: tuple[str, ...] = ()) -> Object:
    """Response header objects: ``names`` are always sent, ``optional`` only sometimes."""
    return {
        name: {
            "description": _HEADERS[name][0],
            "required": name not in optional,
            "schema": _HEADERS[name][1],
        }
        for name in (*names, *optional)
    }


def json_response(description: str, schema: str, header_objects: Object | None = None) -> Object:
    """A response with a JSON body of the named schema."""
    response: Object = {
        "description": description,
        "content": {JSON: {"schema": schema_ref(schema)}},
    }
    if header_objects:
        response["headers"] = header_objects
    return response


def error(description: str, header_objects: Object | None = None) -> Object:
    """An error response with the body ``{"error": {status, code, message}}``."""
    return json_response(description, "Error", header_objects)


def unauthorized() -> Object:
    """401: neither a session nor a valid token."""
    return error(
        "Not signed in: no session and no valid Bearer token.",
        headers(optional=("WWW-Authenticate",)),
    )


def rate_limited() -> Object:
    """429: the per-user (or, anonymously, per-address) limit was reached."""
    return error(
        "Too many requests from this user (or address); wait Retry-After seconds.",
        headers("Retry-After"),
    )


def unavailable() -> Object:
    """503: a backing service (database, Redis, storage) did not answer."""
    return error(
        "The database, Redis or storage did not answer; try again shortly.",
        headers("Retry-After"),
    )


def csrf_header() -> Object:
    """The CSRF token a cookie session sends with unsafe methods."""
    return {
        "name": "X-CSRFToken",
        "in": "header",
        "required": False,
        "description": "Needed when the caller is a cookie session (from GET /api/session); "
        "without it, or with a wrong one, the answer is 400 csrf_failed. Bearer-token "
        "requests need none.",
        "schema": {"type": "string"},
    }
