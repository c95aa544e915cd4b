"""The caller's own account (/api/account...) and the admin's audit log (/api/admin/audit)."""

from __future__ import annotations

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

_NAME: Object = {"anyOf": [{"type": "string"}, {"type": "null"}]}
_DATE: Object = {"type": "string", "format": "date"}


def _strict(properties: dict[str, Object]) -> Object:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": list(properties),
        "properties": properties,
    }


ACCOUNT_SCHEMAS: dict[str, Object] = {
    "AuditEvent": _strict(
        {
            "id": {"type": "integer", "minimum": 1},
            "at": {"type": "string", "format": "date-time"},
            "event": {"type": "string", "description": "signin, signin_failed, token_created…"},
            "actor": {**_NAME, "description": "Who acted (null: nobody signed in)."},
            "target": {**_NAME, "description": "Whose account it concerns."},
            "address": {**_NAME, "description": "The client address, as the proxy rules trust it."},
            "detail": {"type": "object"},
        }
    ),
    "AuditEventList": _strict(
        {
            "events": {"type": "array", "items": schema_ref("AuditEvent")},
            "next_before": {
                "anyOf": [{"type": "integer"}, {"type": "null"}],
                "description": "Pass as ?before= for the next (older) page; null on the last.",
            },
        }
    ),
    "AccountDeletion": {
        "type": "object",
        "required": ["password"],
        "properties": {"password": {"type": "string", "minLength": 1}},
    },
}


def _query(name: str, schema: Object, description: str) -> Object:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


_BEFORE = _query("before", {"type": "integer", "minimum": 0}, "Rows older than this id.")
_FILTERS = [
    _query("user", {"type": "string"}, "Events where this account acted or was acted on."),
    _query("event", {"type": "string"}, "Only this event."),
    _query("since", _DATE, "From this day (UTC)."),
    _query("until", _DATE, "To this day (UTC), inclusive."),
    _BEFORE,
]


def _common(*extra: tuple[str, Object]) -> Object:
    return {"401": unauthorized(), "429": rate_limited(), "503": unavailable(), **dict(extra)}


def _listing(operation_id: str, summary: str, parameters: list[Object], admin: bool) -> Object:
    refusals = [("400", error("A filter that is not valid."))]
    if admin:
        refusals.append(("403", error("The caller is not an admin.")))
    return {
        "get": {
            "tags": ["admin" if admin else "account"],
            "operationId": operation_id,
            "summary": summary,
            "security": SIGNED_IN,
            "parameters": parameters,
            "responses": {
                "200": json_response("Events, newest first.", "AuditEventList"),
                **_common(*refusals),
            },
        }
    }


def account_paths() -> dict[str, Object]:
    """Every /api/account path item, and /api/admin/audit."""
    return {
        "/api/account": {
            "delete": {
                "tags": ["account"],
                "operationId": "deleteAccount",
                "summary": "Delete the caller's account with every video, file, share and token",
                "description": "The password is needed, with a session or with a token.",
                "security": SIGNED_IN,
                "parameters": [csrf_header()],
                "requestBody": {
                    "required": True,
                    "content": {JSON: {"schema": schema_ref("AccountDeletion")}},
                },
                "responses": {
                    "204": {"description": "Deleted; the session ends."},
                    **_common(
                        ("400", error("No password sent, or no CSRF token.")),
                        ("403", error("The password is not correct; nothing was deleted.")),
                        ("409", error("The only administrator cannot delete their account.")),
                    ),
                },
            }
        },
        "/api/account/export": {
            "get": {
                "tags": ["account"],
                "operationId": "exportAccount",
                "summary": "A ZIP of account.json, every original and every caption file",
                "security": SIGNED_IN,
                "responses": {
                    "200": {
                        "description": "The archive, streamed.",
                        "content": {
                            "application/zip": {
                                "schema": {"type": "string", "contentMediaType": "application/zip"}
                            }
                        },
                    },
                    **_common(),
                },
            }
        },
        "/api/account/activity": _listing(
            "accountActivity", "The caller's own audit events", [_BEFORE], admin=False
        ),
        "/api/admin/audit": _listing(
            "adminAudit", "Every audit event, filtered by account, event and days", _FILTERS, True
        ),
    }
