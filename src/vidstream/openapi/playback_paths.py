"""Saving where a viewer is in a video (services/stream/position_api.py)."""

from __future__ import annotations

from vidstream.openapi.components import (
    JSON,
    SIGNED_IN,
    Object,
    csrf_header,
    error,
    rate_limited,
    unauthorized,
    unavailable,
)

POSITION_BODY: Object = {
    "type": "object",
    "additionalProperties": False,
    "required": ["seconds"],
    "properties": {
        "seconds": {
            "type": "number",
            "minimum": 0,
            "description": "How far into the video, at most its duration (plus a second).",
        }
    },
}


def save_position_operation() -> Object:
    """PUT /api/videos/{public_id}/position."""
    return {
        "tags": ["videos"],
        "operationId": "savePlaybackPosition",
        "summary": "Remember how far the caller has watched a video",
        "description": "For any signed-in account that may watch the video (its owner, an "
        "account it is shared with, anyone when it is public). The video's page offers to "
        "resume from it, unless it is within the first or last 5 seconds or the last 5 % "
        "of the video. The player sends it every 10 s while playing, on pause and when "
        "the page is left.",
        "security": SIGNED_IN,
        "parameters": [csrf_header()],
        "requestBody": {"required": True, "content": {JSON: {"schema": POSITION_BODY}}},
        "responses": {
            "204": {"description": "Saved."},
            "400": error("Not a JSON object with seconds within the video, or no CSRF token."),
            "401": unauthorized(),
            "404": error("No video with this id that the caller may watch."),
            "429": rate_limited(),
            "503": unavailable(),
        },
    }
