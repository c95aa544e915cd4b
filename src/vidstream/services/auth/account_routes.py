"""Account pages: the password, the sessions list, sign out everywhere, deleting the account."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import redirect, render_template, request, session
from werkzeug.wrappers import Response

from vidstream import current
from vidstream.services.auth import bp
from vidstream.services.auth.forms import (
    DeleteAccountForm,
    EndSessionForm,
    PasswordForm,
    SignOutEverywhereForm,
)
from vidstream.services.auth.logic import change_password, end_all_sessions
from vidstream.services.auth.removal import delete_own_account
from vidstream.web.access import current_user, current_user_id
from vidstream.web.audit import record
from vidstream.web.errors import AppError
from vidstream.web.session_list import end_session, live_sessions
from vidstream.web.sessions import now, session_expired, start_session
from vidstream.web.urls import service_url

EXPIRED = "This form has expired. Reload the page and try again."


def _sessions() -> list[dict[str, object]]:
    """This account's live sessions, with their times as datetimes for the page."""
    user = current_user()
    if user is None:
        return []
    settings, moment = current.settings(), now()
    entries = live_sessions(
        user.id, user.session_epoch, lambda data: not session_expired(settings, moment, data)
    )
    return [
        {
            **vars(entry),
            "signed_in": datetime.fromtimestamp(entry.signed_in_at, UTC),
            "seen": datetime.fromtimestamp(entry.seen_at, UTC),
        }
        for entry in entries
    ]


def _page(
    form: PasswordForm | None = None,
    status: int = 200,
    changed: bool = False,
    delete: DeleteAccountForm | None = None,
) -> tuple[str, int]:
    html = render_template(
        "auth/account.html",
        form=form or PasswordForm(formdata=None),
        everywhere=SignOutEverywhereForm(),
        end_form=EndSessionForm(),
        delete=delete or DeleteAccountForm(formdata=None),
        sessions=_sessions(),
        changed=changed,
    )
    return html, status


@bp.get("/account")
def account() -> tuple[str, int]:
    """The password form, the sessions list and the account's other actions."""
    return _page(PasswordForm())


@bp.post("/account/password")
def account_password() -> tuple[str, int]:
    """Change the password; this browser stays signed in under a fresh session."""
    form = PasswordForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    try:
        user = change_password(
            current_user_id() or 0, form.current.data or "", form.password.data or ""
        )
    except AppError as error:
        form.current.errors = [error.message]
        return _page(form, status=error.status)
    start_session(user)
    return _page(changed=True)


@bp.post("/account/sessions/<handle>/end")
def account_session_end(handle: str) -> Response:
    """Sign out one session of this account at once (pages and media alike)."""
    if not EndSessionForm().validate_on_submit():
        raise AppError(400, EXPIRED)
    user_id = current_user_id() or 0
    if not end_session(user_id, handle[:64]):
        raise AppError(404, "No session of yours has that name; it may have ended already.")
    record("session_ended", actor=user_id, target_user=user_id)
    return redirect(service_url("auth.account"), code=303)


@bp.post("/signout/everywhere")
def signout_everywhere() -> Response:
    """End every session of this user, this one included."""
    if not SignOutEverywhereForm().validate_on_submit():
        raise AppError(400, EXPIRED)
    user_id = current_user_id() or 0
    end_all_sessions(user_id)
    record("signout_everywhere", actor=user_id, target_user=user_id)
    session.clear()
    return redirect(service_url("auth.signin"), code=303)


@bp.post("/account/delete")
def account_delete() -> Response | tuple[str, int]:
    """Delete this account and everything it owns, after the password; then sign out."""
    form = DeleteAccountForm()
    if not form.validate_on_submit():
        return _page(delete=form, status=422)
    try:
        delete_own_account(current_user_id() or 0, form.password.data or "")
    except AppError as error:
        form.password.errors = [error.message]
        return _page(delete=form, status=error.status)
    session.clear()
    return redirect(service_url("auth.account_deleted"), code=303)


@bp.get("/account/deleted")
def account_deleted() -> str:
    """The confirmation that an account is gone (anyone may see it; it names nobody)."""
    return render_template("auth/deleted.html")


@bp.delete("/api/account")
def api_account_delete() -> tuple[str, int]:
    """Delete the caller's account: the password is needed, with a session or a token."""
    body = request.get_json(silent=True)
    password = body.get("password") if isinstance(body, dict) else None
    if not isinstance(password, str) or not password:
        raise AppError(400, 'Send {"password": "..."}: deleting an account needs the password.')
    delete_own_account(current_user_id() or 0, password)
    session.clear()
    return "", 204
