"""Analytics for owners: a video's stats and the account's (docs/analytics.md).

The period's limits come from vidstream.analytics.stats, so what this calls invalid
is what the code refuses.
"""

from __future__ import annotations

from vidstream.analytics.intervals import BUCKETS
from vidstream.analytics.stats import MAX_DAYS
from vidstream.openapi.components import (
    PUBLIC_ID,
    SIGNED_IN,
    Object,
    error,
    json_response,
    rate_limited,
    schema_ref,
    unauthorized,
    unavailable,
)

DATE: Object = {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
STAMP: Object = {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]}
COUNT: Object = {"type": "integer", "minimum": 0}
SECONDS: Object = {"type": "number", "minimum": 0}
FIGURES: Object = {
    "views": COUNT,
    "unique_viewers": COUNT,
    "watch_seconds": SECONDS,
    "average_view_seconds": SECONDS,
}
FIGURE_NAMES = list(FIGURES)


def _object(properties: Object, required: list[str] | None = None) -> Object:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": required if required is not None else list(properties),
        "properties": properties,
    }


STATS_SCHEMAS: dict[str, Object] = {
    "StatsDay": _object(
        {"date": DATE, "views": COUNT, "unique_viewers": COUNT, "watch_seconds": SECONDS}
    ),
    "ShareStats": _object(
        {
            "id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{12}$"},
            "label": {"type": "string"},
            "revoked": {"type": "boolean"},
            "opens": {"description": "Opens of the link, all time.", **COUNT},
            **FIGURES,
            "last_opened_at": STAMP,
            "last_seen_at": STAMP,
        }
    ),
    "VideoStats": _object(
        {
            "id": PUBLIC_ID,
            "from": DATE,
            "to": DATE,
            **FIGURES,
            "retention": {
                "type": "array",
                "minItems": BUCKETS,
                "maxItems": BUCKETS,
                "description": "For each hundredth of the video, the share of views that "
                "watched at least half of it.",
                "items": {"type": "number", "minimum": 0, "maximum": 1},
            },
            "daily": {"type": "array", "items": schema_ref("StatsDay")},
            "shares": {"type": "array", "items": schema_ref("ShareStats")},
        }
    ),
    "AccountStats": _object(
        {
            "from": DATE,
            "to": DATE,
            **FIGURES,
            "daily": {"type": "array", "items": schema_ref("StatsDay")},
            "videos": {
                "type": "array",
                "maxItems": 10,
                "description": "The most viewed videos of the period, most viewed first.",
                "items": _object({"id": PUBLIC_ID, "title": {"type": "string"}, **FIGURES}),
            },
        }
    ),
}

PERIOD: list[Object] = [
    {
        "name": name,
        "in": "query",
        "required": False,
        "description": f"{what} (UTC, included); at most {MAX_DAYS} days in all.",
        "schema": DATE,
    }
    for name, what in (
        ("from", "First day; default: 29 days before `to`"),
        ("to", "Last day; default: today"),
    )
]


def _responses(schema: str, description: str) -> Object:
    return {
        "200": json_response(description, schema),
        "400": error("`from` or `to` is not a date, `from` is after `to`, or too far apart."),
        "401": unauthorized(),
        "429": rate_limited(),
        "503": unavailable(),
    }


def video_stats_operation() -> Object:
    """GET /api/videos/{public_id}/stats."""
    responses = _responses("VideoStats", "The video's figures for the period.")
    responses["404"] = error("No video with this id that the caller owns.")
    return {
        "tags": ["stats"],
        "operationId": "getVideoStats",
        "summary": "A video's views, viewers, watch time, retention, days and share links",
        "description": "Owners only. Days not yet rolled up are counted from raw ranges "
        "the same way; see docs/analytics.md for the definitions.",
        "security": SIGNED_IN,
        "parameters": PERIOD,
        "responses": responses,
    }


def account_stats_operation() -> Object:
    """GET /api/stats."""
    return {
        "tags": ["stats"],
        "operationId": "getAccountStats",
        "summary": "The caller's figures over all their videos, by day, and the top videos",
        "security": SIGNED_IN,
        "parameters": PERIOD,
        "responses": _responses("AccountStats", "The account's figures for the period."),
    }
