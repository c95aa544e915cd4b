"""The JSON part of the API: the session, the video library, and this description itself."""

from __future__ import annotations

from vidstream.openapi.caption_paths import (
    LANGUAGE_PARAMETER,
    add_caption_operation,
    remove_caption_operation,
)
from vidstream.openapi.components import (
    ANYONE,
    JSON,
    PUBLIC_ID,
    SIGNED_IN,
    Object,
    csrf_header,
    error,
    headers,
    json_response,
    rate_limited,
    unauthorized,
    unavailable,
)
from vidstream.openapi.library_paths import collection_paths, list_videos_operation
from vidstream.openapi.playback_paths import save_position_operation
from vidstream.openapi.share_paths import (
    SHARE_ID_PARAMETER,
    edit_operation,
    share_operations,
    unshare_operation,
)
from vidstream.openapi.stats_paths import account_stats_operation, video_stats_operation

NOT_FOUND = "No video with this id in the caller's library (another user's video included)."

VIDEO_ID: Object = {
    "name": "public_id",
    "in": "path",
    "required": True,
    "description": "The video's id.",
    "schema": PUBLIC_ID,
}


def json_paths() -> dict[str, Object]:
    """Path items of the JSON API."""
    return {
        "/api/openapi.json": {"get": _describe()},
        "/api/session": {"get": _session()},
        "/api/videos": {"get": list_videos_operation()},
        "/api/videos/{public_id}": {
            "parameters": [VIDEO_ID],
            "get": _get_video(),
            "patch": edit_operation(),
            "delete": _delete_video(),
        },
        "/api/videos/{public_id}/shares": {"parameters": [VIDEO_ID], **share_operations()},
        "/api/videos/{public_id}/captions": {
            "parameters": [VIDEO_ID],
            "post": add_caption_operation(),
        },
        "/api/videos/{public_id}/captions/{language}": {
            "parameters": [VIDEO_ID, LANGUAGE_PARAMETER],
            "delete": remove_caption_operation(),
        },
        "/api/videos/{public_id}/position": {
            "parameters": [VIDEO_ID],
            "put": save_position_operation(),
        },
        "/api/videos/{public_id}/stats": {
            "parameters": [VIDEO_ID],
            "get": video_stats_operation(),
        },
        "/api/stats": {"get": account_stats_operation()},
        "/api/videos/{public_id}/shares/{share_id}": {
            "parameters": [VIDEO_ID, SHARE_ID_PARAMETER],
            "delete": unshare_operation(),
        },
        **collection_paths(),
    }


def _describe() -> Object:
    return {
        "tags": ["description"],
        "operationId": "describeApi",
        "summary": "This OpenAPI document",
        "description": "Public and cacheable. Every service serves it; a path served by "
        "another process carries that process's base URL in its `servers`.",
        "security": ANYONE,
        "parameters": [
            {
                "name": "If-None-Match",
                "in": "header",
                "required": False,
                "description": "An ETag from an earlier answer: 304 while it is current.",
                "schema": {"type": "string"},
            }
        ],
        "responses": {
            "200": {
                "description": "The OpenAPI 3.1 document.",
                "headers": headers("ETag"),
                "content": {
                    JSON: {"schema": {"type": "object", "required": ["openapi", "info", "paths"]}}
                },
            },
            "304": {"description": "Unchanged since the given ETag.", "headers": headers("ETag")},
            "429": rate_limited(),
            "503": unavailable(),
        },
    }


def _session() -> Object:
    return {
        "tags": ["session"],
        "operationId": "getSession",
        "summary": "Who is signed in, and the session's CSRF token",
        "description": "Reads the session cookie if there is one; anyone may ask.",
        "security": ANYONE,
        "responses": {
            "200": json_response("The signed-in user (or null) and a CSRF token.", "Session"),
            "429": rate_limited(),
            "503": unavailable(),
        },
    }


def _get_video() -> Object:
    return {
        "tags": ["videos"],
        "operationId": "getVideo",
        "summary": "One of the caller's videos: status, processing progress, links",
        "security": SIGNED_IN,
        "responses": {
            "200": json_response("The video.", "VideoEnvelope"),
            "401": unauthorized(),
            "404": error(NOT_FOUND),
            "429": rate_limited(),
            "503": unavailable(),
        },
    }


def _delete_video() -> Object:
    return {
        "tags": ["videos"],
        "operationId": "deleteVideo",
        "summary": "Delete one of the caller's videos and every stored file of it",
        "security": SIGNED_IN,
        "parameters": [csrf_header()],
        "responses": {
            "204": {"description": "Deleted."},
            "400": error("A cookie session without its X-CSRFToken (csrf_failed)."),
            "401": unauthorized(),
            "404": error(NOT_FOUND),
            "429": rate_limited(),
            "503": unavailable(),
        },
    }
