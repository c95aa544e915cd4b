"""The library part of the API: listing (search, sort, filters, paging) and collections.

Limits and choices come from the code that enforces them (library_query.py, tags.py,
collections.py), so the description and the checks cannot drift apart.
"""

from __future__ import annotations

from vidstream.models import VideoStatus
from vidstream.openapi.components import (
    JSON,
    PUBLIC_ID,
    SIGNED_IN,
    URL,
    Object,
    csrf_header,
    error,
    json_response,
    rate_limited,
    schema_ref,
    unauthorized,
    unavailable,
)
from vidstream.services.stream.collections import DESCRIPTION_LENGTH, MAX_VIDEOS, NAME_LENGTH
from vidstream.services.stream.library_query import (
    CURSOR_LENGTH,
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    QUERY_LENGTH,
    SortOrder,
)
from vidstream.services.stream.tags import MAX_TAGS, TAG_LENGTH

COLLECTION_ID: Object = {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,16}$"}
NO_COLLECTION = "No collection with this id that the caller owns (another user's included)."
NO_VIDEO = "No such collection of the caller's, or a video id that is not in their library."
DATE_TIME: Object = {"type": "string", "format": "date-time"}
TAG: Object = {"type": "string", "maxLength": TAG_LENGTH, "pattern": "^[^,]*$"}
TAGS: Object = {
    "type": "array",
    "maxItems": MAX_TAGS,
    "items": TAG,
    "description": f"At most {MAX_TAGS} tags, each at most {TAG_LENGTH} characters and "
    "without commas; stored lower-case with inner spaces collapsed, duplicates and blanks "
    "dropped, sorted. Replaces every tag of the video.",
}


def _strict(properties: Object, required: list[str]) -> Object:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": required,
        "properties": properties,
    }


_COLLECTION_FIELDS: Object = {
    "id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{12}$"},
    "name": {"type": "string", "minLength": 1, "maxLength": NAME_LENGTH},
    "description": {"type": "string"},
    "video_count": {"type": "integer", "minimum": 0},
    "created_at": DATE_TIME,
    "updated_at": DATE_TIME,
    "urls": _strict({"page": URL}, ["page"]),
}
_SUMMARY_REQUIRED = list(_COLLECTION_FIELDS)

LIBRARY_SCHEMAS: dict[str, Object] = {
    "VideoList": _strict(
        {
            "videos": {"type": "array", "items": schema_ref("Video")},
            "next": {
                "anyOf": [URL, {"type": "null"}],
                "description": "The next page (same search, filters and sort), or null.",
            },
        },
        ["videos", "next"],
    ),
    "CollectionSummary": _strict(_COLLECTION_FIELDS, _SUMMARY_REQUIRED),
    "Collection": _strict(
        {**_COLLECTION_FIELDS, "videos": {"type": "array", "items": schema_ref("Video")}},
        [*_SUMMARY_REQUIRED, "videos"],
    ),
    "CollectionList": _strict(
        {"collections": {"type": "array", "items": schema_ref("CollectionSummary")}},
        ["collections"],
    ),
    "CollectionEnvelope": _strict({"collection": schema_ref("Collection")}, ["collection"]),
    "CollectionCreate": _strict(
        {
            "name": {"type": "string", "minLength": 1, "maxLength": NAME_LENGTH},
            "description": {"type": "string", "maxLength": DESCRIPTION_LENGTH},
        },
        ["name"],
    ),
    "CollectionEdit": _strict(
        {
            "name": {"type": "string", "minLength": 1, "maxLength": NAME_LENGTH},
            "description": {"type": "string", "maxLength": DESCRIPTION_LENGTH},
        },
        [],
    ),
    "CollectionVideos": _strict(
        {"videos": {"type": "array", "maxItems": MAX_VIDEOS, "items": PUBLIC_ID}}, ["videos"]
    ),
    "CollectionAdd": _strict(
        {"video": PUBLIC_ID, "position": {"type": "integer", "minimum": 0, "maximum": 100_000}},
        ["video"],
    ),
}


def _query(name: str, description: str, schema: Object) -> Object:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}  # fmt: skip


LIST_PARAMETERS: list[Object] = [
    _query(
        "q",
        "Search text: every word (letters and digits; anything else separates words) must "
        "begin a word of the title, description or tags. Case and accents are ignored.",
        {"type": "string", "maxLength": QUERY_LENGTH},
    ),
    _query(
        "sort",
        "newest (the default, also when empty), oldest, title (A to Z), duration (longest "
        "first) or size (largest first). Equal keys are ordered by the video's row.",
        {"type": "string", "enum": [*(s.value for s in SortOrder), ""]},
    ),
    _query(
        "status",
        "Only videos in this state (empty: any).",
        {"type": "string", "enum": [*(s.value for s in VideoStatus), ""]},
    ),
    _query(
        "tag",
        "Only videos with this tag (empty: any).",
        {"type": "string", "maxLength": TAG_LENGTH},
    ),
    _query(
        "collection",
        "Only videos in this collection of the caller's (empty: any).",
        {"type": "string", "pattern": "^[A-Za-z0-9_-]{0,16}$"},
    ),
    _query(
        "after",
        "The cursor from a `next` link: opaque and signed; a stale or changed one is a 400.",
        {"type": "string", "maxLength": CURSOR_LENGTH},
    ),
    _query(
        "limit",
        f"Videos per page (default {PAGE_SIZE}).",
        {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
    ),
]


def list_videos_operation() -> Object:
    """GET /api/videos."""
    return {
        "tags": ["videos"],
        "operationId": "listVideos",
        "summary": "The caller's videos: searched, filtered and sorted, a page at a time",
        "description": "Keyset paging: follow `next` until it is null; every video appears "
        "once even when sort keys are equal or videos are added meanwhile.",
        "security": SIGNED_IN,
        "parameters": LIST_PARAMETERS,
        "responses": {
            "200": json_response("A page of the caller's videos.", "VideoList"),
            "400": error("An argument that is not valid (invalid_query)."),
            "401": unauthorized(),
            "404": error(NO_COLLECTION),
            "429": rate_limited(),
            "503": unavailable(),
        },
    }


def _operation(
    operation_id: str, summary: str, answers: Object, body: str | None = None, *, writes: bool
) -> Object:
    operation: Object = {
        "tags": ["collections"],
        "operationId": operation_id,
        "summary": summary,
        "security": SIGNED_IN,
        "responses": {
            **answers,
            "401": unauthorized(),
            "429": rate_limited(),
            "503": unavailable(),
        },
    }
    if writes:
        operation["parameters"] = [csrf_header()]
        operation["responses"]["400"] = error("A body that is not valid, or no CSRF token.")
    if body:
        operation["requestBody"] = {
            "required": True,
            "content": {JSON: {"schema": schema_ref(body)}},
        }
    return operation


def collection_paths() -> dict[str, Object]:
    """Path items of the collections API."""
    cid: Object = {"name": "collection_id", "in": "path", "required": True,
                   "description": "The collection's id.", "schema": COLLECTION_ID}  # fmt: skip
    vid: Object = {"name": "video_id", "in": "path", "required": True,
                   "description": "The video's id.", "schema": PUBLIC_ID}  # fmt: skip
    full = json_response("The collection, its videos in play order.", "CollectionEnvelope")
    return {
        "/api/collections": {
            "get": _operation(
                "listCollections",
                "The caller's collections, by name",
                {"200": json_response("Each with its video count.", "CollectionList")},
                writes=False,
            ),
            "post": _operation(
                "createCollection",
                "Make an empty collection",
                {
                    "201": json_response("The new collection.", "CollectionEnvelope"),
                    "409": error("The caller has 1000 collections already."),
                },
                "CollectionCreate",
                writes=True,
            ),
        },
        "/api/collections/{collection_id}": {
            "parameters": [cid],
            "get": _operation(
                "getCollection",
                "One collection and its videos in play order",
                {"200": full, "404": error(NO_COLLECTION)},
                writes=False,
            ),
            "patch": _operation(
                "editCollection",
                "Rename a collection or change its description",
                {"200": full, "404": error(NO_COLLECTION)},
                "CollectionEdit",
                writes=True,
            ),
            "delete": _operation(
                "deleteCollection",
                "Delete a collection (its videos stay in the library)",
                {"204": {"description": "Deleted."}, "404": error(NO_COLLECTION)},
                writes=True,
            ),
        },
        "/api/collections/{collection_id}/videos": {
            "parameters": [cid],
            "put": _operation(
                "setCollectionVideos",
                "Set the collection's videos and their order at once (reorder, add, remove)",
                {"200": full, "404": error(NO_VIDEO)},
                "CollectionVideos",
                writes=True,
            ),
            "post": _operation(
                "addCollectionVideo",
                "Add a video at the end or at `position` (moving it if already there)",
                {"200": full, "404": error(NO_VIDEO)},
                "CollectionAdd",
                writes=True,
            ),
        },
        "/api/collections/{collection_id}/videos/{video_id}": {
            "parameters": [cid, vid],
            "delete": _operation(
                "removeCollectionVideo",
                "Take a video out of the collection",
                {
                    "204": {"description": "Removed."},
                    "404": error(NO_COLLECTION + " Or: the video is not in it."),
                },
                writes=True,
            ),
        },
    }
