"""Editing a video and managing its shares: the schemas and operations.

The limits here are the ones services/stream/sharing.py enforces, imported from it,
so a body the description calls invalid is refused and the two cannot drift.
"""

from __future__ import annotations

from vidstream.models import ShareKind, Visibility
from vidstream.openapi.components import (
    JSON,
    SIGNED_IN,
    Object,
    csrf_header,
    error,
    json_response,
    rate_limited,
    schema_ref,
    unauthorized,
    unavailable,
)
from vidstream.openapi.library_paths import TAGS
from vidstream.services.stream.sharing import (
    DESCRIPTION_LENGTH,
    LABEL_LENGTH,
    MAX_EXPIRY_SECONDS,
    MAX_VIEWS,
    MIN_EXPIRY_SECONDS,
    PASSWORD_LENGTHS,
    TITLE_LENGTH,
    USERNAME_LENGTH,
)

NOT_FOUND = "No video with this id that the caller owns (another user's video included)."
DATE_TIME: Object = {"type": "string", "format": "date-time"}
SHARE_ID_PARAMETER: Object = {
    "name": "share_id",
    "in": "path",
    "required": True,
    "description": "The share's id (from the list or from its creation).",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,32}$"},
}


def _nullable(schema: Object) -> Object:
    return {"anyOf": [schema, {"type": "null"}]}


SHARE_SCHEMAS: dict[str, Object] = {
    "VideoEdit": {
        "type": "object",
        "additionalProperties": False,
        "description": "Any of the fields; the others stay as they are. Titles and "
        "descriptions lose control and format characters; a title left empty is a 400.",
        "properties": {
            "title": {"type": "string", "minLength": 1, "maxLength": TITLE_LENGTH},
            "description": {"type": "string", "maxLength": DESCRIPTION_LENGTH},
            "visibility": {"type": "string", "enum": [v.value for v in Visibility]},
            "tags": TAGS,
        },
    },
    "ShareRequest": {
        "type": "object",
        "additionalProperties": False,
        "description": "With `username`: share with that account (and nothing else may be "
        "sent). Otherwise a share link with these options, all optional.",
        "properties": {
            "username": {"type": "string", "minLength": 1, "maxLength": USERNAME_LENGTH},
            "expires_in_seconds": {
                "type": "integer",
                "minimum": MIN_EXPIRY_SECONDS,
                "maximum": MAX_EXPIRY_SECONDS,
            },
            "password": {
                "type": "string",
                "minLength": PASSWORD_LENGTHS[0],
                "maxLength": PASSWORD_LENGTHS[1],
            },
            "max_views": {"type": "integer", "minimum": 1, "maximum": MAX_VIEWS},
            "allow_download": {"type": "boolean"},
            "label": {"type": "string", "maxLength": LABEL_LENGTH},
        },
    },
    "Share": {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "kind", "created_at"],
        "properties": {
            "id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{12}$"},
            "kind": {"type": "string", "enum": [k.value for k in ShareKind]},
            "created_at": DATE_TIME,
            "username": {"type": "string", "description": "An account share's recipient."},
            "url": {
                "type": "string",
                "format": "uri",
                "description": "A link share's address: only in the answer that made it.",
            },
            "label": {"type": "string"},
            "expires_at": _nullable(DATE_TIME),
            "has_password": {"type": "boolean"},
            "max_views": _nullable({"type": "integer", "minimum": 1}),
            "allow_download": {"type": "boolean"},
            "opens": {"type": "integer", "minimum": 0},
            "views": {"type": "integer", "minimum": 0},
            "last_opened_at": _nullable(DATE_TIME),
        },
    },
    "ShareList": {
        "type": "object",
        "additionalProperties": False,
        "required": ["shares"],
        "properties": {"shares": {"type": "array", "items": schema_ref("Share")}},
    },
    "ShareEnvelope": {
        "type": "object",
        "additionalProperties": False,
        "required": ["share"],
        "properties": {"share": schema_ref("Share")},
    },
}


def _body(schema: str) -> Object:
    return {"required": True, "content": {JSON: {"schema": schema_ref(schema)}}}


def _common(*extra: tuple[str, Object]) -> Object:
    return {
        "401": unauthorized(),
        "404": error(NOT_FOUND),
        "429": rate_limited(),
        "503": unavailable(),
        **dict(extra),
    }


def edit_operation() -> Object:
    """PATCH /api/videos/{public_id}."""
    return {
        "tags": ["videos"],
        "operationId": "editVideo",
        "summary": "Change a video's title, description, visibility or tags",
        "description": "private: the owner and accounts it is shared with; unlisted: also "
        "whoever holds one of its share links; public: anyone, and listed on the owner's "
        "page /u/<username>. Making a video private switches its links off.",
        "security": SIGNED_IN,
        "parameters": [csrf_header()],
        "requestBody": _body("VideoEdit"),
        "responses": {
            "200": json_response("The video as it is now.", "VideoEnvelope"),
            **_common(("400", error("A body that is not a valid edit, or no CSRF token."))),
        },
    }


def share_operations() -> Object:
    """The path item /api/videos/{public_id}/shares."""
    return {
        "get": {
            "tags": ["shares"],
            "operationId": "listShares",
            "summary": "The video's active links and accounts, with each link's use",
            "security": SIGNED_IN,
            "responses": {
                "200": json_response("Links (newest first), then accounts.", "ShareList"),
                **_common(),
            },
        },
        "post": {
            "tags": ["shares"],
            "operationId": "createShare",
            "summary": "Make a share link, or share with an account",
            "description": "A link's token has 192 random bits and is stored only hashed: "
            "its `url` is in this answer and nowhere else. Links need an unlisted or public "
            "video (409 otherwise). Sharing with yourself is a 400; an account that does "
            "not exist is a 404 (see docs/security.md for who may learn that).",
            "security": SIGNED_IN,
            "parameters": [csrf_header()],
            "requestBody": _body("ShareRequest"),
            "responses": {
                "201": json_response("The new share (a link's `url` included).", "ShareEnvelope"),
                **_common(
                    ("400", error("Options that are not valid, or no CSRF token.")),
                    ("404", error(NOT_FOUND + " Or: no account with that username.")),
                    ("409", error("The video is private, or has 100 active links already.")),
                ),
            },
        },
    }


def unshare_operation() -> Object:
    """DELETE /api/videos/{public_id}/shares/{share_id}."""
    return {
        "tags": ["shares"],
        "operationId": "deleteShare",
        "summary": "Revoke a link or stop sharing with an account, at once",
        "description": "Pages, the API and the app's own byte path refuse it at once; a "
        "direct media link already handed out lives at most VIDSTREAM_PRESIGNED_URL_SECONDS.",
        "security": SIGNED_IN,
        "parameters": [csrf_header()],
        "responses": {
            "204": {"description": "Revoked."},
            **_common(
                ("400", error("No CSRF token.")),
                ("404", error(NOT_FOUND + " Or: no such active share of it.")),
            ),
        },
    }
