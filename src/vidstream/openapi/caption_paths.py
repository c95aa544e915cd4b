"""Captions: adding, replacing and removing a video's WebVTT captions."""

from __future__ import annotations

from vidstream.models.caption import LABEL_LENGTH, MAX_CAPTIONS
from vidstream.openapi.components import (
    LANGUAGE_TAG,
    SIGNED_IN,
    Object,
    csrf_header,
    error,
    json_response,
    rate_limited,
    unauthorized,
    unavailable,
)

NOT_FOUND = "No video with this id that the caller owns (another user's video included)."
LANGUAGE_PARAMETER: Object = {
    "name": "language",
    "in": "path",
    "required": True,
    "description": "The caption's language tag, as listed (any letter case is accepted).",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9-]{2,12}$"},
}
MULTIPART = "multipart/form-data"


ADD_ERRORS = (
    ("400", error("No file or language, a language that is not a tag, or no CSRF token.")),
    ("403", error("The caller's role may not add files (viewers).")),
    ("409", error("The captions changed meanwhile; try again.")),
    ("413", error("The body is larger than 1 MiB.")),
    ("415", error("Not a caption file: binary, or another format or encoding.")),
    (
        "422",
        error(
            "A caption file that cannot be used: malformed, no cues with text, impossible "
            "times, or too many captions."
        ),
    ),
)


def _common(*extra: tuple[str, Object]) -> Object:
    return {
        "401": unauthorized(),
        "404": error(NOT_FOUND),
        "429": rate_limited(),
        "503": unavailable(),
        **dict(extra),
    }


def add_caption_operation() -> Object:
    """POST /api/videos/{public_id}/captions."""
    body = {
        "type": "object",
        "required": ["file", "language"],
        "properties": {
            "file": {
                "type": "string",
                "contentMediaType": "application/octet-stream",
                "description": "SRT, WebVTT or ASS/SSA, in UTF-8, UTF-16 with a byte "
                "order mark, or Windows-1252.",
            },
            "language": {**LANGUAGE_TAG, "pattern": "^[A-Za-z]{2,3}(-[A-Za-z]{4})?"
                         "(-([A-Za-z]{2}|[0-9]{3}))?$"},
            "label": {"type": "string", "maxLength": LABEL_LENGTH,
                      "description": "What players show; the language tag when empty."},
        },
    }  # fmt: skip
    return {
        "tags": ["videos"],
        "operationId": "addCaption",
        "summary": "Add a caption to a video, or replace the one in that language",
        "description": "The file is stored as WebVTT: italics, bold and underline are kept, "
        "any other markup is dropped and the text escaped, so cue text is always inert. "
        f"Bodies above 1 MiB get 413. A video has at most {MAX_CAPTIONS} captions.",
        "security": SIGNED_IN,
        "parameters": [csrf_header()],
        "requestBody": {"required": True, "content": {MULTIPART: {"schema": body}}},
        "responses": {
            "200": json_response("The caption in that language was replaced.", "CaptionEnvelope"),
            "201": json_response("The new caption.", "CaptionEnvelope"),
            **_common(*ADD_ERRORS),
        },
    }


def remove_caption_operation() -> Object:
    """DELETE /api/videos/{public_id}/captions/{language}."""
    return {
        "tags": ["videos"],
        "operationId": "deleteCaption",
        "summary": "Remove a video's caption in one language",
        "security": SIGNED_IN,
        "parameters": [csrf_header()],
        "responses": {
            "204": {"description": "Removed."},
            **_common(
                ("400", error("No CSRF token.")),
                ("404", error(NOT_FOUND + " Or: no caption in that language.")),
            ),
        },
    }
