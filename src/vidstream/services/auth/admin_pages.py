"""The admin console's account and job pages: thin views over :mod:`.admin`.

Every route here is declared ADMIN in web/permissions.py. A form that cannot be
applied (a bad value, one's own account, a job a worker holds) shows the page again
with the message and the status the API would give; a change that worked redirects
(303) so a reload does not repeat it.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request
from werkzeug.wrappers import Response

from vidstream.models import Role, VideoStatus
from vidstream.services.auth import bp
from vidstream.services.auth.admin import (
    Change,
    UserRow,
    account,
    change_user,
    delete_user,
    job_videos,
    retry_job,
    user_rows,
)
from vidstream.services.auth.admin_forms import (
    MIB,
    DeleteUserForm,
    EmptyForm,
    UserChangeForm,
    UserStateForm,
    mib_to_bytes,
)
from vidstream.web.access import current_user, current_user_id
from vidstream.web.errors import AppError
from vidstream.web.representations import processing_json
from vidstream.web.urls import service_url

EXPIRED = "This form has expired. Reload the page and try again."
Page = tuple[str, int]


def done(message: str, endpoint: str, **values: str) -> Response:
    """Say what happened on the next page (a flash) and go there."""
    flash(message, "admin")
    return redirect(service_url(endpoint, **values), code=303)


@bp.get("/admin")
def admin_users() -> str:
    """Every account (or those whose name contains ?q=) with its usage and limits."""
    search = request.args.get("q", "")[:32]
    return render_template("admin/users.html", users=user_rows(search), search=search)


def _row(username: str) -> UserRow:
    name = account(username).username
    return next(r for r in user_rows(name) if r.username == name)


def _user_page(username: str, status: int = 200, error: str = "", **forms: object) -> Page:
    row, me = _row(username), current_user()
    change = forms.get("change") or UserChangeForm(
        formdata=None,
        role=row.role,
        quota_mib=row.quota_bytes // MIB if row.own_quota else None,
        daily_limit=row.daily_upload_limit if row.own_daily_limit else None,
    )
    page = render_template(
        "admin/user.html",
        user=row,
        change=change,
        state=UserStateForm(formdata=None, disabled="false" if row.disabled else "true"),
        delete=forms.get("delete") or DeleteUserForm(formdata=None),
        error=error,
        is_self=me is not None and me.username == row.username,
    )
    return page, status


@bp.get("/admin/users/<username>")
def admin_user(username: str) -> Page:
    """One account: its usage and the forms that change, disable or delete it."""
    return _user_page(username)


@bp.post("/admin/users/<username>")
def admin_user_change(username: str) -> Response | Page:
    """Change an account's role, quota and daily upload limit."""
    form = UserChangeForm()
    if not form.validate_on_submit():
        return _user_page(username, 422, change=form)
    quota, daily = form.quota_mib.data, form.daily_limit.data
    change = Change(
        role=Role(form.role.data),
        quota_bytes=mib_to_bytes(quota),
        daily_upload_limit=daily,
        default_quota=quota is None,
        default_daily_limit=daily is None,
    )
    try:
        user = change_user(username, change, current_user_id() or 0)
    except AppError as error:
        return _user_page(username, error.status, error.message, change=form)
    return done(
        f"Saved {user.username}'s role and limits.", "auth.admin_user", username=user.username
    )


@bp.post("/admin/users/<username>/state")
def admin_user_state(username: str) -> Response | Page:
    """Disable an account (its sessions, tokens and media access end at once) or enable it."""
    form = UserStateForm()
    if not form.validate_on_submit():
        return _user_page(username, 422, EXPIRED if form.csrf_token.errors else "Choose a state.")
    disabled = form.disabled.data == "true"
    try:
        user = change_user(username, Change(disabled=disabled), current_user_id() or 0)
    except AppError as error:
        return _user_page(username, error.status, error.message)
    word = "disabled: every session and token of it has ended" if disabled else "enabled"
    return done(f"{user.username} is {word}.", "auth.admin_user", username=user.username)


@bp.post("/admin/users/<username>/delete")
def admin_user_delete(username: str) -> Response | Page:
    """Delete an account and everything it owns, once its name has been typed again."""
    form = DeleteUserForm()
    name = account(username).username
    if not form.validate_on_submit():
        return _user_page(username, 422, delete=form)
    if (form.confirm.data or "").strip().lower() != name:
        form.confirm.errors = [f"Type {name} exactly to delete this account."]
        return _user_page(username, 422, delete=form)
    try:
        videos = delete_user(name, current_user_id() or 0)
    except AppError as error:
        return _user_page(username, error.status, error.message, delete=form)
    return done(f"Deleted {name} and {videos} video(s).", "auth.admin_users")


def _jobs_page(error: str = "", status: int = 200) -> Page:
    videos = job_videos()
    groups = {
        "failed": [v for v in videos if v.status is VideoStatus.FAILED],
        "running": [v for v in videos if v.status is VideoStatus.PROCESSING],
        "queued": [
            v for v in videos if v.status not in (VideoStatus.FAILED, VideoStatus.PROCESSING)
        ],
    }
    steps = {v.public_id: processing_json(v) for v in videos}
    html = render_template("admin/jobs.html", groups=groups, steps=steps, error=error)
    return html, status


@bp.get("/admin/jobs")
def admin_jobs() -> Page:
    """Videos queued, in processing (with progress) or failed (with reasons)."""
    return _jobs_page()


@bp.post("/admin/jobs/<public_id>/retry")
def admin_job_retry(public_id: str) -> Response | Page:
    """Process a video again from scratch: retry a failed one, or redo a stuck one."""
    if not EmptyForm().validate_on_submit():
        return _jobs_page(EXPIRED, 400)
    try:
        retry_job(public_id)
    except AppError as error:
        return _jobs_page(error.message, error.status)
    return done("Queued for processing again.", "auth.admin_jobs")
