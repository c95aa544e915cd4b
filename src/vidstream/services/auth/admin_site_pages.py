"""The admin console's storage, site settings and invitation pages.

The settings form goes through the same validation as ``PATCH /api/admin/settings``
(:func:`.admin_site.site_change`). An invitation's link is shown once, on the answer
to the form that made it: only its hash is stored.
"""

from __future__ import annotations

from datetime import timedelta

from flask import render_template
from werkzeug.wrappers import Response

from vidstream.analytics.stats import account_period
from vidstream.models import Role
from vidstream.models.base import utcnow
from vidstream.services.auth import bp
from vidstream.services.auth.admin import storage_totals, user_rows, video_names
from vidstream.services.auth.admin_forms import (
    MIB,
    EmptyForm,
    InvitationForm,
    SiteSettingsForm,
    mib_to_bytes,
)
from vidstream.services.auth.admin_pages import EXPIRED, Page, done
from vidstream.services.auth.admin_site import change_site, holdings, site_change
from vidstream.services.auth.invitations import (
    create_invitation,
    open_invitations,
    revoke_invitation,
)
from vidstream.web.access import current_user_id
from vidstream.web.errors import AppError
from vidstream.web.site import site_values
from vidstream.web.urls import absolute_url


@bp.get("/admin/storage")
def admin_storage() -> str:
    """Bytes per account and per kind of file, and what the disk or bucket holds."""
    return render_template(
        "admin/storage.html", users=user_rows(), kinds=storage_totals(), place=holdings()
    )


SITE_STATS_DAYS = 30


@bp.get("/admin/stats")
def admin_stats() -> str:
    """The whole site's views and watch time over the last 30 days, and its top videos."""
    end = utcnow().date()
    start = end - timedelta(days=SITE_STATS_DAYS - 1)
    period = account_period(None, start, end)
    ranked = sorted(period.parts.items(), key=lambda item: -item[1].views)[:10]
    names = video_names([video_id for video_id, _ in ranked])
    top = [(names[vid], figures) for vid, figures in ranked if vid in names]
    return render_template("admin/stats.html", period=period, top=top, days=SITE_STATS_DAYS)


def _settings_page(form: SiteSettingsForm | None = None, status: int = 200) -> Page:
    values = site_values()
    form = form or SiteSettingsForm(
        formdata=None,
        signup=values.signup,
        default_quota_mib=values.default_quota_bytes // MIB,
        default_daily_uploads=values.default_daily_uploads,
        require_two_factor=values.require_two_factor,
    )
    return render_template("admin/settings.html", form=form, values=values), status


@bp.get("/admin/settings")
def admin_settings() -> Page:
    """The sign-up mode, default quota and default daily upload limit."""
    return _settings_page()


@bp.post("/admin/settings")
def admin_settings_save() -> Response | Page:
    """Save the site settings (an empty number: back to the environment's default)."""
    form = SiteSettingsForm()
    if not form.validate_on_submit():
        return _settings_page(form, 422)
    try:
        change = site_change(
            {
                "signup": form.signup.data,
                "default_quota_bytes": mib_to_bytes(form.default_quota_mib.data),
                "default_daily_uploads": form.default_daily_uploads.data,
                "require_two_factor": bool(form.require_two_factor.data),
            }
        )
    except AppError as error:
        form.form_errors.append(error.message)
        return _settings_page(form, error.status)
    change_site(change, current_user_id() or 0)
    return done("Site settings saved.", "auth.admin_settings")


def _invitations_page(
    form: InvitationForm | None = None, link: str = "", status: int = 200
) -> Page:
    html = render_template(
        "admin/invitations.html",
        form=form or InvitationForm(formdata=None),
        invitations=open_invitations(),
        link=link,
        now=utcnow(),
    )
    return html, status


@bp.get("/admin/invitations")
def admin_invitations() -> Page:
    """Unused invitations and a form to make one."""
    return _invitations_page()


@bp.post("/admin/invitations")
def admin_invitations_create() -> Page:
    """Make an invitation and show its link, this once."""
    form = InvitationForm()
    if not form.validate_on_submit():
        return _invitations_page(form, status=422)
    try:
        _invitation, token = create_invitation(
            current_user_id(), Role(form.role.data), form.days.data or 0, form.note.data or ""
        )
    except AppError as error:
        form.days.errors = [error.message]
        return _invitations_page(form, status=error.status)
    link = absolute_url("auth.invitation", token=token)
    return _invitations_page(InvitationForm(formdata=None), link=link, status=201)


@bp.post("/admin/invitations/<int:invitation_id>/revoke")
def admin_invitations_revoke(invitation_id: int) -> Response | Page:
    """Stop an invitation link from working."""
    if not EmptyForm().validate_on_submit():
        raise AppError(400, EXPIRED)
    revoke_invitation(invitation_id)
    return done("Invitation revoked.", "auth.admin_invitations")
