"""The admin API (/api/admin/...): schemas and operations; admins only (others 403)."""

from __future__ import annotations

from vidstream.models import Role, VideoStatus
from vidstream.openapi.components import (
    JSON,
    PUBLIC_ID,
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
from vidstream.services.auth.admin import MAX_DAILY, MAX_QUOTA
from vidstream.web.site import SIGNUP_MODES

COUNT: Object = {"type": "integer", "minimum": 0}
DATE_TIME: Object = {"type": "string", "format": "date-time"}
ROLE: Object = {"type": "string", "enum": [r.value for r in Role]}
SIGNUP: Object = {"type": "string", "enum": list(SIGNUP_MODES)}


def _up_to(top: int, nullable: bool = False) -> Object:
    number: Object = {"type": "integer", "minimum": 0, "maximum": top}
    return {"anyOf": [number, {"type": "null"}]} if nullable else number


USERNAME: Object = {
    "name": "username",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "minLength": 1, "maxLength": 64},
}


def _strict(properties: dict[str, Object], required: list[str] | None = None) -> Object:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": list(properties) if required is None else required,
        "properties": properties,
    }


ADMIN_SCHEMAS: dict[str, Object] = {
    "AdminUser": _strict(
        {
            "username": {"type": "string"},
            "role": ROLE,
            "videos": COUNT,
            "original_bytes": COUNT,
            "derived_bytes": COUNT,
            "quota_bytes": COUNT,
            "daily_upload_limit": COUNT,
            "last_seen_at": {
                "anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]
            },
            "disabled": {"type": "boolean"},
        }
    ),
    "AdminUserList": _strict({"users": {"type": "array", "items": schema_ref("AdminUser")}}),
    "AdminUserEnvelope": _strict({"user": schema_ref("AdminUser")}),
    "AdminUserChange": {
        **_strict(
            {
                "role": ROLE,
                "quota_bytes": {
                    "anyOf": [
                        {"type": "integer", "minimum": 0, "maximum": MAX_QUOTA},
                        {"type": "null"},
                    ]
                },
                "daily_upload_limit": {
                    "anyOf": [
                        {"type": "integer", "minimum": 0, "maximum": MAX_DAILY},
                        {"type": "null"},
                    ]
                },
                "disabled": {"type": "boolean"},
            },
            required=[],
        ),
        "minProperties": 1,
        "description": "null quota or limit: back to the site's default. Disabling ends "
        "the account's sessions, tokens and media access at once.",
    },
    "AdminJob": _strict(
        {
            "public_id": PUBLIC_ID,
            "owner": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "string", "enum": [s.value for s in VideoStatus]},
            "processing": schema_ref("Processing"),
            "reason": {"anyOf": [{"type": "string"}, {"type": "null"}]},
            "detail": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        }
    ),
    "AdminJobList": _strict({"jobs": {"type": "array", "items": schema_ref("AdminJob")}}),
    "Queued": _strict({"queued": {"type": "boolean", "const": True}}),
    "SiteSettings": _strict(
        {
            "signup": SIGNUP,
            "signup_from": {
                "type": "string",
                "enum": ["console", "environment", "default"],
                "description": "Where the sign-up mode in force comes from.",
            },
            "default_quota_bytes": _up_to(MAX_QUOTA),
            "default_daily_uploads": _up_to(MAX_DAILY),
            "require_two_factor": {
                "type": "boolean",
                "description": "Whether every account must have a second factor.",
            },
        }
    ),
    "SiteSettingsEnvelope": _strict({"settings": schema_ref("SiteSettings")}),
    "SiteSettingsChange": {
        **_strict(
            {
                "signup": {"anyOf": [SIGNUP, {"type": "null"}]},
                "default_quota_bytes": _up_to(MAX_QUOTA, nullable=True),
                "default_daily_uploads": _up_to(MAX_DAILY, nullable=True),
                "require_two_factor": {"type": ["boolean", "null"]},
            },
            required=[],
        ),
        "minProperties": 1,
        "description": "null: back to the environment's value (or the built-in default). "
        "0 means no limit.",
    },
}


def _common(*extra: tuple[str, Object]) -> Object:
    return {
        "401": unauthorized(),
        "403": error("The caller is not an admin."),
        "429": rate_limited(),
        "503": unavailable(),
        **dict(extra),
    }


def admin_paths() -> dict[str, Object]:
    """Every /api/admin/ path item."""
    no_user = ("404", error("No account with that name."))
    return {
        "/api/admin/users": {
            "get": {
                "tags": ["admin"],
                "operationId": "adminListUsers",
                "summary": "Every account with its role, usage, limits and state",
                "security": SIGNED_IN,
                "parameters": [
                    {
                        "name": "q",
                        "in": "query",
                        "required": False,
                        "description": "Only names containing this.",
                        "schema": {"type": "string"},
                    }
                ],
                "responses": {"200": json_response("The accounts.", "AdminUserList"), **_common()},
            }
        },
        "/api/admin/users/{username}": {
            "parameters": [USERNAME],
            "patch": {
                "tags": ["admin"],
                "operationId": "adminChangeUser",
                "summary": "Change an account's role, quota, daily limit or disabled state",
                "security": SIGNED_IN,
                "parameters": [csrf_header()],
                "requestBody": {
                    "required": True,
                    "content": {JSON: {"schema": schema_ref("AdminUserChange")}},
                },
                "responses": {
                    "200": json_response("The account now.", "AdminUserEnvelope"),
                    **_common(
                        ("400", error("Not a valid change, or no CSRF token.")),
                        no_user,
                        ("409", error("An admin cannot demote or disable their own account.")),
                    ),
                },
            },
            "delete": {
                "tags": ["admin"],
                "operationId": "adminDeleteUser",
                "summary": "Delete an account and every video, file, share, token and session",
                "security": SIGNED_IN,
                "parameters": [csrf_header()],
                "responses": {
                    "204": {"description": "Deleted."},
                    **_common(
                        ("400", error("No CSRF token.")),
                        no_user,
                        ("409", error("An admin cannot delete their own account here.")),
                    ),
                },
            },
        },
        **_settings_path(),
        "/api/admin/jobs": {
            "get": {
                "tags": ["admin"],
                "operationId": "adminListJobs",
                "summary": "Videos queued, in processing or failed (with reasons), newest first",
                "security": SIGNED_IN,
                "responses": {"200": json_response("The jobs.", "AdminJobList"), **_common()},
            }
        },
        "/api/admin/jobs/{public_id}/retry": {
            "parameters": [
                {"name": "public_id", "in": "path", "required": True, "schema": PUBLIC_ID}
            ],
            "post": {
                "tags": ["admin"],
                "operationId": "adminRetryJob",
                "summary": "Process a video again from scratch",
                "security": SIGNED_IN,
                "parameters": [csrf_header()],
                "responses": {
                    "202": json_response("Queued.", "Queued"),
                    **_common(
                        ("400", error("No CSRF token.")),
                        ("404", error("No video with that id.")),
                        ("409", error("A worker holds it now, or it is still uploading.")),
                    ),
                },
            },
        },
    }


def _settings_path() -> dict[str, Object]:
    envelope = json_response("The settings in force.", "SiteSettingsEnvelope")
    return {
        "/api/admin/settings": {
            "get": {
                "tags": ["admin"],
                "operationId": "adminGetSettings",
                "summary": "The sign-up mode, default quota and default daily upload limit",
                "security": SIGNED_IN,
                "responses": {"200": envelope, **_common()},
            },
            "patch": {
                "tags": ["admin"],
                "operationId": "adminChangeSettings",
                "summary": "Change the sign-up mode, default quota or default daily limit",
                "security": SIGNED_IN,
                "parameters": [csrf_header()],
                "requestBody": {
                    "required": True,
                    "content": {JSON: {"schema": schema_ref("SiteSettingsChange")}},
                },
                "responses": {
                    "200": envelope,
                    **_common(("400", error("Not a valid change, or no CSRF token."))),
                },
            },
        }
    }
