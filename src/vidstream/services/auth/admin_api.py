"""The admin API under /api/admin/: accounts, jobs and site settings (admins only,
web/permissions.py)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from werkzeug.wrappers import Response

from vidstream.models import Role, Video
from vidstream.services.auth import bp
from vidstream.services.auth.admin import (
    MAX_DAILY,
    MAX_QUOTA,
    Change,
    UserRow,
    change_user,
    delete_user,
    job_videos,
    retry_job,
    user_rows,
)
from vidstream.services.auth.admin_site import change_site, site_change
from vidstream.web.access import current_user_id
from vidstream.web.errors import AppError
from vidstream.web.representations import processing_json
from vidstream.web.site import SiteValues, site_values


def user_json(row: UserRow) -> dict[str, Any]:
    """One account as the admin API shows it."""
    return {
        "username": row.username,
        "role": row.role,
        "videos": row.videos,
        "original_bytes": row.original_bytes,
        "derived_bytes": row.derived_bytes,
        "quota_bytes": row.quota_bytes,
        "daily_upload_limit": row.daily_upload_limit,
        "last_seen_at": row.last_seen_at.isoformat() + "Z" if row.last_seen_at else None,
        "disabled": row.disabled,
    }


def _change(body: Any) -> Change:
    """The change a PATCH body asks for; 400 for anything else."""
    if not isinstance(body, dict) or not body or set(body) - set(PATCH_FIELDS):
        raise AppError(400, f"Send a JSON object with any of: {', '.join(PATCH_FIELDS)}.")
    role = body.get("role")
    if role is not None and role not in [r.value for r in Role]:
        raise AppError(400, "role is admin, member or viewer.")
    for name, top in (("quota_bytes", MAX_QUOTA), ("daily_upload_limit", MAX_DAILY)):
        value = body.get(name)
        if value is not None and (type(value) is not int or not 0 <= value <= top):
            raise AppError(400, f"{name} is a whole number from 0 to {top}, or null.")
    if "disabled" in body and type(body["disabled"]) is not bool:
        raise AppError(400, "disabled is true or false.")
    return Change(
        role=Role(role) if role else None,
        quota_bytes=body.get("quota_bytes"),
        daily_upload_limit=body.get("daily_upload_limit"),
        disabled=body.get("disabled"),
        default_quota="quota_bytes" in body and body["quota_bytes"] is None,
        default_daily_limit="daily_upload_limit" in body and body["daily_upload_limit"] is None,
    )


PATCH_FIELDS = ("role", "quota_bytes", "daily_upload_limit", "disabled")


@bp.get("/api/admin/users")
def api_admin_users() -> Response:
    """Every account (or those whose name contains ?q=) with its usage."""
    search = request.args.get("q", "")[:32]
    return jsonify(users=[user_json(row) for row in user_rows(search)])


@bp.patch("/api/admin/users/<username>")
def api_admin_user_change(username: str) -> Response:
    """Change an account's role, quota, daily limit or disabled state."""
    change = _change(request.get_json(silent=True))
    user = change_user(username, change, current_user_id() or 0)
    row = next(r for r in user_rows(user.username) if r.username == user.username)
    return jsonify(user=user_json(row))


@bp.delete("/api/admin/users/<username>")
def api_admin_user_delete(username: str) -> tuple[str, int]:
    """Delete an account with every video, file, share, token and session."""
    delete_user(username, current_user_id() or 0)
    return "", 204


def job_json(video: Video) -> dict[str, Any]:
    """One video's processing as the admin API shows it."""
    return {
        "public_id": video.public_id,
        "owner": video.owner.username,
        "title": video.title,
        "status": video.status.value,
        "processing": processing_json(video),
        "reason": video.status_reason,
        "detail": video.job.error_detail if video.job else None,
    }


@bp.get("/api/admin/jobs")
def api_admin_jobs() -> Response:
    """Videos queued, in processing or failed, newest first."""
    return jsonify(jobs=[job_json(video) for video in job_videos()])


@bp.post("/api/admin/jobs/<public_id>/retry")
def api_admin_job_retry(public_id: str) -> tuple[Response, int]:
    """Process the video again from scratch."""
    retry_job(public_id)
    return jsonify(queued=True), 202


def settings_json(values: SiteValues) -> dict[str, Any]:
    """The site settings as the admin API shows them."""
    return {
        "signup": values.signup,
        "signup_from": values.signup_from,
        "default_quota_bytes": values.default_quota_bytes,
        "default_daily_uploads": values.default_daily_uploads,
        "require_two_factor": values.require_two_factor,
    }


@bp.get("/api/admin/settings")
def api_admin_settings() -> Response:
    """The sign-up mode (and where it comes from), default quota and default daily limit."""
    return jsonify(settings=settings_json(site_values()))


@bp.patch("/api/admin/settings")
def api_admin_settings_change() -> Response:
    """Change site settings; null sets one back to the environment's (or built-in) default."""
    change = site_change(request.get_json(silent=True))
    return jsonify(settings=settings_json(change_site(change, current_user_id() or 0)))
