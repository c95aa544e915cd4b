"""Account pages: change the password, sign out everywhere."""

from __future__ import annotations

from flask import redirect, render_template, session
from werkzeug.wrappers import Response

from vidstream.services.auth import bp
from vidstream.services.auth.forms import PasswordForm, SignOutEverywhereForm
from vidstream.services.auth.logic import change_password, end_all_sessions
from vidstream.web.access import current_user_id
from vidstream.web.audit import record
from vidstream.web.errors import AppError
from vidstream.web.sessions import start_session
from vidstream.web.urls import service_url


def _page(form: PasswordForm, status: int = 200, changed: bool = False) -> tuple[str, int]:
    html = render_template(
        "auth/account.html", form=form, everywhere=SignOutEverywhereForm(), changed=changed
    )
    return html, status


@bp.get("/account")
def account() -> tuple[str, int]:
    """The password form and the sign-out-everywhere button."""
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
    return _page(PasswordForm(formdata=None), changed=True)


@bp.post("/signout/everywhere")
def signout_everywhere() -> Response:
    """End every session of this user, this one included."""
    if not SignOutEverywhereForm().validate_on_submit():
        raise AppError(400, "This form has expired. Reload the page and try again.")
    user_id = current_user_id() or 0
    end_all_sessions(user_id)
    record("signout_everywhere", actor=user_id, target_user=user_id)
    session.clear()
    return redirect(service_url("auth.signin"), code=303)
