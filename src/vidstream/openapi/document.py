"""The OpenAPI 3.1 document of everything under /api/, assembled from its parts."""

from __future__ import annotations

import copy
import functools
import re
from importlib.metadata import version

from vidstream.openapi.account_paths import ACCOUNT_SCHEMAS, account_paths
from vidstream.openapi.admin_paths import ADMIN_SCHEMAS, admin_paths
from vidstream.openapi.components import SCHEMAS, SECURITY_SCHEMES, Object
from vidstream.openapi.json_paths import json_paths
from vidstream.openapi.library_paths import LIBRARY_SCHEMAS
from vidstream.openapi.share_paths import SHARE_SCHEMAS
from vidstream.openapi.stats_paths import STATS_SCHEMAS
from vidstream.openapi.tus_paths import tus_paths

DESCRIPTION = """\
The JSON API of vidstream, and its tus 1.0.0 server for resumable uploads.

**Who is asking.** Scripts send a personal access token as `Authorization: Bearer vs_...`;
such a request is judged by the token alone and needs no CSRF token. A browser session
(the `vidstream_session` cookie) works too; its unsafe requests must carry the session's
CSRF token in `X-CSRFToken` (`GET /api/session` returns it).

**Privacy.** Each user sees only their own videos and uploads; anyone else's is a 404,
exactly as one that does not exist.

**Errors** are `{"error": {"status": 404, "code": "not_found", "message": "..."}}` with the
same status as the response. API calls are rate limited per user (429 with Retry-After),
except tus PATCH and HEAD; a database, Redis or storage outage is a 503 with Retry-After.
"""

TAGS: list[Object] = [
    {"name": "session", "description": "The auth service: who is signed in."},
    {
        "name": "account",
        "description": "The auth service: the caller's own account (export, activity, deletion).",
    },
    {"name": "videos", "description": "The stream service: the caller's library."},
    {"name": "shares", "description": "The stream service: share links and accounts."},
    {"name": "collections", "description": "The stream service: ordered sets of videos."},
    {"name": "stats", "description": "The stream service: analytics for owners."},
    {
        "name": "uploads",
        "description": "The upload service: tus 1.0.0 with the creation, "
        "creation-with-upload, termination, expiration and checksum extensions.",
    },
    {
        "name": "admin",
        "description": "The auth service: accounts, jobs, site settings and the audit log "
        "(admins only).",
    },
    {"name": "description", "description": "This document (served by every service)."},
]

_CONVERTED = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def openapi_path(rule: str) -> str:
    """A werkzeug rule (``/api/videos/<public_id>``) as an OpenAPI path (``{public_id}``)."""
    return _CONVERTED.sub(r"{\1}", rule)


@functools.cache
def _document() -> Object:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "vidstream API",
            "version": version("vidstream"),
            "description": DESCRIPTION,
            "license": {"name": "MIT", "identifier": "MIT"},
        },
        "tags": TAGS,
        "paths": {**json_paths(), **tus_paths(), **admin_paths(), **account_paths()},
        "components": {
            "schemas": {
                **SCHEMAS,
                **SHARE_SCHEMAS,
                **ADMIN_SCHEMAS,
                **LIBRARY_SCHEMAS,
                **STATS_SCHEMAS,
                **ACCOUNT_SCHEMAS,
            },
            "securitySchemes": SECURITY_SCHEMES,
        },
    }


def build_document() -> Object:
    """The API description (a fresh copy the caller may change)."""
    return copy.deepcopy(_document())
