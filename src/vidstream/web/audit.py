"""The audit log's one recording function, its queries and its pruning.

Every service records through :func:`record` (auth: sign-ins, passwords, tokens,
accounts, invitations; stream: shares), so the log has one shape: when, who acted,
on whose account, the event's name, the client address (as web/proxies.py trusts
it) and a small JSON detail. It lives below the services, which never import each
other. :func:`record` commits its row on its own, after the change it describes was
committed, so a refused or failed change leaves no row claiming it happened.

Addresses are kept here and in the sessions list only (docs/security.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import has_request_context, request
from sqlalchemy import Select, delete, or_, select

from vidstream import current
from vidstream.extensions import db
from vidstream.models import AuditEvent, User
from vidstream.models.base import utcnow

# The events recorded today, with how the pages name them. record() takes any name,
# so a new kind needs only a line here to get its label.
EVENTS: dict[str, str] = {
    "signin": "Signed in",
    "signin_failed": "Sign-in failed",
    "signout": "Signed out",
    "signout_everywhere": "Signed out everywhere",
    "session_ended": "Ended another session",
    "password_changed": "Changed the password",
    "token_created": "Created an access token",
    "token_revoked": "Revoked an access token",
    "share_link_created": "Created a share link",
    "share_link_revoked": "Revoked a share link",
    "share_added": "Shared a video with an account",
    "share_removed": "Stopped sharing a video with an account",
    "account_changed": "Account changed by an admin",
    "account_disabled": "Account disabled",
    "account_enabled": "Account enabled",
    "account_deleted": "Account deleted",
    "account_exported": "Exported the account's data",
    "invitation_created": "Created an invitation",
    "invitation_used": "Signed up with an invitation",
    "totp_on": "Turned on two-factor sign-in with an authenticator app",
    "totp_off": "Turned off the authenticator app",
    "recovery_codes_renewed": "Made new recovery codes",
    "recovery_code_used": "Signed in with a recovery code",
    "second_factor_failed": "Second sign-in step failed",
    "passkey_added": "Added a passkey",
    "passkey_removed": "Removed a passkey",
    "second_factors_reset": "Second factors removed by an operator",
}
DETAIL_LIMIT = 2000  # characters of JSON; the detail is a note, not a payload
PAGE_SIZE = 50


def _who(user: User | int | str | None) -> tuple[int | None, str | None]:
    if user is None:
        return None, None
    if isinstance(user, str):  # a name with no account (any more): a deleted one, a guess
        return None, user[:64]
    found = db.session.get(User, user) if isinstance(user, int) else user
    return (found.id, found.username) if found is not None else (None, None)


def client_address() -> str | None:
    """The caller's address as the proxy rules trust it; None outside a request."""
    return (request.remote_addr or None) if has_request_context() else None


def record(
    event: str,
    *,
    actor: User | int | str | None = None,
    target_user: User | int | str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Write one audit row now, in its own commit (call it after the change is committed).

    ``actor`` and ``target_user`` are an account (or its id), or a bare name for one
    that is gone or never existed; ``detail`` is a small JSON object.
    """
    actor_id, actor_name = _who(actor)
    target_id, target_name = _who(target_user)
    text = json.dumps(detail or {}, separators=(",", ":"), default=str)
    if len(text) > DETAIL_LIMIT:
        text = json.dumps({"truncated": True})
    db.session.add(
        AuditEvent(
            event=event[:40],
            actor_id=actor_id,
            actor_name=actor_name,
            target_id=target_id,
            target_name=target_name,
            address=(client_address() or "")[:64] or None,
            detail=text,
        )
    )
    db.session.commit()


@dataclass(frozen=True)
class AuditFilter:
    """What a listing asks for: whose, which event, between when, and from which row on."""

    user_id: int | None = None  # as actor or target
    event: str | None = None
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    before_id: int | None = None  # keyset paging: rows older than this one


def _query(wanted: AuditFilter) -> Select[AuditEvent]:
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    if wanted.user_id is not None:
        query = query.where(
            or_(AuditEvent.actor_id == wanted.user_id, AuditEvent.target_id == wanted.user_id)
        )
    if wanted.event:
        query = query.where(AuditEvent.event == wanted.event)
    if wanted.since is not None:
        query = query.where(AuditEvent.at >= wanted.since)
    if wanted.until is not None:
        query = query.where(AuditEvent.at < wanted.until)
    if wanted.before_id is not None:
        query = query.where(AuditEvent.id < wanted.before_id)
    return query


def audit_page(wanted: AuditFilter, size: int = PAGE_SIZE) -> tuple[list[AuditEvent], int | None]:
    """One page of events, newest first, and the id to ask the next page before (or None)."""
    rows = list(db.session.scalars(_query(wanted).limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    return rows, (rows[-1].id if more and rows else None)


def event_json(row: AuditEvent) -> dict[str, Any]:
    """One event as the API and the pages show it."""
    return {
        "id": row.id,
        "at": row.at.isoformat() + "Z",
        "event": row.event,
        "actor": row.actor_name,
        "target": row.target_name,
        "address": row.address,
        "detail": json.loads(row.detail or "{}"),
    }


def prune_audit(now: datetime | None = None) -> int:
    """Delete rows older than the retention period; how many went."""
    days = current.settings().audit_retention_days
    cutoff = (now or utcnow()) - timedelta(days=days)
    result = db.session.execute(delete(AuditEvent).where(AuditEvent.at < cutoff))
    db.session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
