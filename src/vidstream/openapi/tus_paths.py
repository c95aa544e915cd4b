"""The tus 1.0.0 resumable-upload endpoints at /api/uploads/ (see docs/uploads.md).

Every answer under /api/uploads/, errors included, carries ``Tus-Resumable``; answers
to HEAD carry no body. Both rules are applied to every operation here at the end, so
no response can miss them.
"""

from __future__ import annotations

from typing import Any

from vidstream.openapi.components import (
    ANYONE,
    PUBLIC_ID,
    SIGNED_IN,
    Object,
    csrf_header,
    error,
    headers,
    rate_limited,
    unauthorized,
    unavailable,
)
from vidstream.services.upload.tus.protocol import (
    CHECKSUM_ALGORITHMS,
    CHECKSUM_MISMATCH,
    EXTENSIONS,
    OFFSET_CONTENT_TYPE,
    TUS_VERSION,
)


def _header_parameter(name: str, description: str, schema: Object, required: bool) -> Object:
    return {
        "name": name,
        "in": "header",
        "required": required,
        "description": description,
        "schema": schema,
    }


TUS_RESUMABLE = _header_parameter(
    "Tus-Resumable",
    f"The protocol version; anything but {TUS_VERSION} gets 412.",
    {"type": "string", "enum": [TUS_VERSION]},
    required=True,
)
UPLOAD_LENGTH = _header_parameter(
    "Upload-Length",
    "The file's size in bytes: at most Tus-Max-Size, and within the caller's quota "
    "together with their unfinished uploads. Upload-Defer-Length is not supported (400).",
    {"type": "integer", "minimum": 0},
    required=True,
)
UPLOAD_METADATA = _header_parameter(
    "Upload-Metadata",
    "Comma-separated `key base64(value)` pairs. Read: `filename` (or `name`), kept as "
    "data and the default title; `filetype` (or `type`); `title`.",
    {"type": "string"},
    required=False,
)
UPLOAD_CHECKSUM = _header_parameter(
    "Upload-Checksum",
    f"`<algorithm> base64(digest)` of this request's body ({', '.join(CHECKSUM_ALGORITHMS)}); "
    f"a body that does not match is discarded ({CHECKSUM_MISMATCH}).",
    {"type": "string", "pattern": f"^({'|'.join(CHECKSUM_ALGORITHMS)}) [A-Za-z0-9+/]+={{0,2}}$"},
    required=False,
)
UPLOAD_OFFSET = _header_parameter(
    "Upload-Offset",
    "Where this body starts: the offset the last HEAD or PATCH reported.",
    {"type": "integer", "minimum": 0},
    required=True,
)
METHOD_OVERRIDE = _header_parameter(
    "X-HTTP-Method-Override",
    "For clients that can send only POST: the method meant.",
    {"type": "string", "enum": ["PATCH", "HEAD", "DELETE"]},
    required=True,
)
UPLOAD_ID: Object = {
    "name": "upload_id",
    "in": "path",
    "required": True,
    "description": "The upload's id, the last segment of the Location given at creation.",
    "schema": PUBLIC_ID,
}

# Capability discovery answers the same for any upload URL, existing or not.
ANY_UPLOAD_ID: Object = {**UPLOAD_ID, "schema": {"type": "string", "minLength": 1}}


def _chunk(required: bool) -> Object:
    return {
        "required": required,
        "description": f"Bytes of the file, declared as {OFFSET_CONTENT_TYPE}.",
        "content": {OFFSET_CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
    }


ERRORS: dict[int, str] = {
    400: "A malformed Upload-Length, Upload-Offset, Upload-Metadata or Upload-Checksum "
    "(or an unsupported algorithm), an Upload-Defer-Length; or, for a cookie session, "
    "a missing or wrong X-CSRFToken (csrf_failed).",
    404: "No such upload, or another user's: uploads are private to whoever created them.",
    405: "A POST without an X-HTTP-Method-Override of PATCH, HEAD or DELETE.",
    409: "Upload-Offset is not where the upload stands (ask with HEAD).",
    410: "The upload expired; start again.",
    411: "A body sent without Content-Length.",
    412: f"Tus-Resumable is missing or not {TUS_VERSION}.",
    413: "Upload-Length above Tus-Max-Size or beyond the caller's quota (counting their "
    "unfinished uploads); a body running past Upload-Length; or, on the last byte, the "
    "quota exceeded.",
    415: f"A body not declared {OFFSET_CONTENT_TYPE}; or, on the last byte, a file that is "
    "not a video vidstream reads, or has no video track (the upload is deleted).",
    422: "On the last byte: a video that cannot be played (damaged, cut short); the "
    "upload is deleted.",
    423: "Another request is writing to this upload right now; retry shortly.",
    CHECKSUM_MISMATCH: "The body does not match its Upload-Checksum; it was discarded.",
    507: "The server is out of storage space.",
}


def _errors(*statuses: int) -> dict[str, Object]:
    """Error responses by status; 401, 429 and 503 have their own headers."""
    special = {401: unauthorized, 429: rate_limited, 503: unavailable}
    responses: dict[str, Object] = {}
    for status in statuses:
        if status in special:
            responses[str(status)] = special[status]()
        elif status == 412:
            responses["412"] = error(ERRORS[412], headers("Tus-Version"))
        else:
            responses[str(status)] = error(ERRORS[status])
    return responses


PROGRESS = ("Upload-Offset", "Upload-Length", "Upload-Expires")
COMPLETED = ("Upload-Video-Id", "Upload-Video-Url")


def _options(operation_id: str, *parameters: Object) -> Object:
    return {
        "operationId": operation_id,
        "summary": "Capability discovery (needs no sign-in)",
        "security": ANYONE,
        "parameters": list(parameters),
        "responses": {
            "204": {
                "description": f"Extensions: {', '.join(EXTENSIONS)}.",
                "headers": headers(
                    "Tus-Version", "Tus-Extension", "Tus-Max-Size", "Tus-Checksum-Algorithm"
                ),
            },
            **_errors(503),
        },
    }


def _create() -> Object:
    return {
        "operationId": "createUpload",
        "summary": "Create an upload (creation); a body starts it (creation-with-upload)",
        "description": "Counts against the per-user upload limit shared with the upload form.",
        "security": SIGNED_IN,
        "parameters": [
            TUS_RESUMABLE,
            UPLOAD_LENGTH,
            UPLOAD_METADATA,
            UPLOAD_CHECKSUM,
            csrf_header(),
        ],
        "requestBody": _chunk(required=False),
        "responses": {
            "201": {
                "description": "Created; Upload-Offset says how much of the body was stored. "
                "An Upload-Length of 0, or a body holding the whole file, completes it.",
                "headers": headers("Location", *PROGRESS, optional=COMPLETED),
            },
            **_errors(400, 401, 411, 412, 413, 415, 422, 429, 503, 507),
        },
    }


def _head() -> Object:
    return {
        "operationId": "getUploadOffset",
        "summary": "How far an upload is; resume from Upload-Offset",
        "security": SIGNED_IN,
        "parameters": [TUS_RESUMABLE],
        "responses": {
            "200": {
                "description": "The upload's state; once complete, the video it became.",
                "headers": headers(
                    *PROGRESS, "Cache-Control", optional=("Upload-Metadata", *COMPLETED)
                ),
            },
            **_errors(401, 404, 410, 412, 503),
        },
    }


def _patch() -> Object:
    return {
        "operationId": "appendToUpload",
        "summary": "Append bytes at Upload-Offset; the last byte makes the file a video",
        "description": "Not rate limited: a fast link sends many chunks of one upload.",
        "security": SIGNED_IN,
        "parameters": [TUS_RESUMABLE, UPLOAD_OFFSET, UPLOAD_CHECKSUM, csrf_header()],
        "requestBody": _chunk(required=True),
        "responses": {
            "204": {
                "description": "Stored; Upload-Offset is the new offset. After the last "
                "byte the headers name the new video.",
                "headers": headers(*PROGRESS, optional=COMPLETED),
            },
            **_errors(400, 401, 404, 409, 410, 411, 412, 413, 415, 422, 423),
            **_errors(CHECKSUM_MISMATCH, 503, 507),
        },
    }


def _delete() -> Object:
    return {
        "operationId": "terminateUpload",
        "summary": "Cancel an upload and delete its bytes (termination)",
        "description": "A finished upload's video stays in the library.",
        "security": SIGNED_IN,
        "parameters": [TUS_RESUMABLE, csrf_header()],
        "responses": {
            "204": {"description": "The upload and its bytes are gone."},
            **_errors(400, 401, 404, 410, 412, 423, 429, 503),
        },
    }


def _override() -> Object:
    patch, head, delete = _patch(), _head(), _delete()
    return {
        "operationId": "overrideUploadMethod",
        "summary": "PATCH, HEAD or DELETE for clients that can send only POST",
        "description": "Answers exactly as the method named in X-HTTP-Method-Override.",
        "security": SIGNED_IN,
        "parameters": [
            TUS_RESUMABLE,
            METHOD_OVERRIDE,
            {**UPLOAD_OFFSET, "required": False, "description": "Only with PATCH: as for PATCH."},
            {**UPLOAD_CHECKSUM, "description": "Only with PATCH: as for PATCH."},
            csrf_header(),
        ],
        "requestBody": _chunk(required=False),
        "responses": {
            "200": head["responses"]["200"],
            "204": {
                "description": "As PATCH or DELETE.",
                "headers": headers(optional=(*PROGRESS, *COMPLETED)),
            },
            **_errors(405, 429),
            **{
                status: response
                for operation in (patch, head, delete)
                for status, response in operation["responses"].items()
                if not status.startswith("2")
            },
        },
    }


def _as_tus(operation: Object, *, bodiless: bool = False) -> Object:
    """Add the Tus-Resumable header to every response; drop bodies from HEAD answers."""
    responses: dict[str, Any] = {}
    for status, response in operation["responses"].items():
        answer = {
            **response,
            "headers": {**headers("Tus-Resumable"), **response.get("headers", {})},
        }
        if bodiless:
            answer.pop("content", None)
        responses[status] = answer
    return {"tags": ["uploads"], **operation, "responses": dict(sorted(responses.items()))}


def tus_paths() -> dict[str, Object]:
    """Path items of the tus server."""
    return {
        "/api/uploads/": {
            "options": _as_tus(_options("discoverTus")),
            "post": _as_tus(_create()),
        },
        "/api/uploads/{upload_id}": {
            "parameters": [UPLOAD_ID],
            "options": _as_tus(_options("discoverTusForUpload", ANY_UPLOAD_ID)),
            "head": _as_tus(_head(), bodiless=True),
            "patch": _as_tus(_patch()),
            "delete": _as_tus(_delete()),
            "post": _as_tus(_override()),
        },
    }
