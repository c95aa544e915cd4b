"""The audit log as people read it: their own activity, and every event for admins.

``/account/activity`` and ``GET /api/account/activity`` show the events where the
caller acted or was acted on; ``/admin/audit`` and ``GET /api/admin/audit`` show
every event, filtered by account, event and date range. Pages are newest first and
paged by row id (``before``), so a new event never shifts a page.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask import jsonify, render_template, request
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from vidstream.extensions import db
from vidstream.models import User
from vidstream.services.auth import bp
from vidstream.web.access import current_user_id
from vidstream.web.audit import EVENTS, AuditFilter, audit_page, event_json
from vidstream.web.errors import AppError


def _present(args: MultiDict[str, str], name: str, strict: bool) -> str | None:
    """The parameter's one value; None when absent (or, on a page's form, left empty)."""
    values = args.getlist(name)
    if len(values) > 1:
        raise AppError(400, f"Give {name} at most once.")
    text = values[0].strip() if values else ""
    if not text and values and strict:
        raise AppError(400, f"{name} is empty; leave it out instead.")
    return text or None


def _day(args: MultiDict[str, str], name: str, strict: bool) -> date | None:
    text = _present(args, name, strict)
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise AppError(400, f"{name} is a date like 2026-12-31.") from None


def _before(args: MultiDict[str, str], strict: bool) -> int | None:
    text = _present(args, "before", strict)
    if text is None:
        return None
    if not text.isdigit() or len(text) > 18:
        raise AppError(400, "before is a whole number (the id the previous page gave).")
    return int(text)


def _user_id(name: str) -> int | None:
    """The id of the account ``name``; -1 (matching nothing) when there is none."""
    found = db.session.scalar(select(User.id).where(User.username == name.strip().lower()[:64]))
    return -1 if found is None else found


def read_filter(args: MultiDict[str, str], *, own: int | None, strict: bool) -> AuditFilter:
    """The listing the query string asks for; ``own`` limits it to one account's events.

    ``strict`` (the API) refuses empty values, which a page's filter form sends for
    fields left blank.
    """
    event = (_present(args, "event", strict) or "")[:40] or None
    since, until = _day(args, "since", strict), _day(args, "until", strict)
    user_id = own
    user = _present(args, "user", strict)
    if own is None and user:
        user_id = _user_id(user)
    return AuditFilter(
        user_id=user_id,
        event=event,
        since=datetime.combine(since, time()) if since else None,
        until=datetime.combine(until + timedelta(days=1), time()) if until else None,
        before_id=_before(args, strict),
    )


def _listing(own: int | None, strict: bool = False) -> dict[str, Any]:
    rows, next_before = audit_page(read_filter(request.args, own=own, strict=strict))
    return {"events": [event_json(row) for row in rows], "next_before": next_before}


@bp.get("/account/activity")
def account_activity() -> str:
    """The caller's own audit events, newest first."""
    listing = _listing(current_user_id())
    return render_template("auth/activity.html", labels=EVENTS, **listing)


@bp.get("/api/account/activity")
def api_account_activity() -> Response:
    """The caller's own audit events as JSON, newest first (paged by ``before``)."""
    return jsonify(_listing(current_user_id(), strict=True))


@bp.get("/admin/audit")
def admin_audit() -> str:
    """Every audit event, filterable by account, event and date range."""
    listing = _listing(None)
    query = {k: request.args.get(k, "") for k in ("user", "event", "since", "until")}
    return render_template("admin/audit.html", labels=EVENTS, query=query, **listing)


@bp.get("/api/admin/audit")
def api_admin_audit() -> Response:
    """Every audit event as JSON, filterable and paged like the page."""
    return jsonify(_listing(None, strict=True))
