"""Who may reach each route: the one route permission table and the one check of it.

Every endpoint of every service is declared in :data:`ROUTE_PERMISSIONS` with what
it needs: anyone, a signed-in account (by session or token), a browser session (never
a token: token management and account pages), the member role (uploading and
sharing), or the admin role. :func:`check_route_permission` runs before every view;
an endpoint missing from the table is refused (fails closed) and a test walks the
whole URL map for every role, so a new route without a declared permission fails CI.

What a caller may do with one video is a second question, answered per video in
:mod:`.video_access` (owner, link, recipient, public). Routes that answer it there
(the player, media, the video API) only need ``ANYONE`` or ``SIGNED_IN`` here.
"""

from __future__ import annotations

import enum
import logging

from flask import Flask, abort, redirect, request, session

from vidstream.models import Role
from vidstream.web.access import (
    authenticated_by_token,
    current_role,
    current_user_id,
    refuse_invalid_token,
    sign_in_redirect,
)
from vidstream.web.errors import AppError, wants_json
from vidstream.web.urls import service_url

log = logging.getLogger(__name__)


class Need(enum.StrEnum):
    """What a route needs of its caller."""

    ANYONE = "anyone"  # no account needed (a per-video check may still apply)
    SIGNED_IN = "signed in"  # any enabled account, by session or Bearer token
    SESSION = "browser session"  # any account, signed in with a browser, never a token
    MEMBER = "member"  # the member or admin role: uploads and shares
    ADMIN = "admin"  # the admin role


A, S, B, M, ADM = Need.ANYONE, Need.SIGNED_IN, Need.SESSION, Need.MEMBER, Need.ADMIN

# The route permission table: endpoint -> what it needs.
ROUTE_PERMISSIONS: dict[str, Need] = {
    "static": A,
    "home": A,
    "ops.healthz": A,
    "ops.readyz": A,
    "ops.metrics_endpoint": A,  # guarded by its own bearer secret when configured
    "openapi.openapi_json": A,
    # auth
    "auth.home": A,
    "auth.signin": A,
    "auth.signup": A,
    "auth.invitation": A,
    "auth.signout": A,
    "auth.api_session": A,
    "auth.account": B,
    "auth.account_password": B,
    "auth.signout_everywhere": B,
    "auth.account_session_end": B,
    "auth.account_delete": B,
    "auth.account_deleted": A,  # the confirmation after deleting; names nobody
    "auth.api_account_delete": S,  # a token needs the password too
    "auth.account_activity": B,
    "auth.api_account_activity": S,
    "auth.account_export": B,
    "auth.api_account_export": S,
    "auth.admin_audit": ADM,
    "auth.api_admin_audit": ADM,
    "auth.tokens": B,
    "auth.tokens_create": B,
    "auth.tokens_revoke": B,
    # second factors: the account's own, and the sign-in steps that use them
    "auth.two_factor": B,
    "auth.totp_setup": B,
    "auth.totp_confirm": B,
    "auth.recovery_regenerate": B,
    "auth.totp_disable": B,
    "auth.passkey_options": B,
    "auth.passkey_register": B,
    "auth.passkey_remove": B,
    "auth.signin_second_factor": A,
    "auth.signin_passkey_options": A,
    "auth.signin_passkey": A,
    # the admin console and its API
    "auth.api_admin_users": ADM,
    "auth.api_admin_user_change": ADM,
    "auth.api_admin_user_delete": ADM,
    "auth.api_admin_jobs": ADM,
    "auth.api_admin_job_retry": ADM,
    "auth.api_admin_settings": ADM,
    "auth.api_admin_settings_change": ADM,
    "auth.admin_users": ADM,
    "auth.admin_user": ADM,
    "auth.admin_user_change": ADM,
    "auth.admin_user_state": ADM,
    "auth.admin_user_delete": ADM,
    "auth.admin_jobs": ADM,
    "auth.admin_job_retry": ADM,
    "auth.admin_storage": ADM,
    "auth.admin_stats": ADM,
    "auth.admin_settings": ADM,
    "auth.admin_settings_save": ADM,
    "auth.admin_invitations": ADM,
    "auth.admin_invitations_create": ADM,
    "auth.admin_invitations_revoke": ADM,
    # upload: members only
    "upload.upload_form": M,
    "upload.upload": M,
    "upload.tus.tus_options": A,  # capability discovery, as tus clients expect
    "upload.tus.tus_create": M,
    "upload.tus.tus_head": M,
    "upload.tus.tus_patch": M,
    "upload.tus.tus_override": M,
    "upload.tus.tus_delete": M,
    # stream: pages and the video API (per-video rules in video_access.py)
    "stream.library": S,
    # analytics: owners see their figures (video_access decides whose); any viewer reports
    "stream.video_stats": S,
    "stream.video_stats_csv": S,
    "stream.account_stats": S,
    "stream.api_video_stats": S,
    "stream.api_account_stats": S,
    "stream.watch_beacon": A,
    # collections: one's own videos in an order
    "stream.api_collections": S,
    "stream.api_create_collection": S,
    "stream.api_collection": S,
    "stream.api_edit_collection": S,
    "stream.api_delete_collection": S,
    "stream.api_set_collection_videos": S,
    "stream.api_add_collection_video": S,
    "stream.api_remove_collection_video": S,
    "stream.collections_page": S,
    "stream.create_collection_form": S,
    "stream.collection_page": S,
    "stream.edit_collection_form": S,
    "stream.delete_collection_form": S,
    "stream.move_collection_video": S,
    "stream.remove_collection_video": S,
    "stream.add_to_collection_form": S,
    "stream.shared": S,
    "stream.player": A,
    "stream.public_page": A,
    "stream.embed": A,
    "stream.oembed": A,
    "stream.share_page": A,
    "stream.share_embed": A,
    "stream.renew_grant": A,
    "stream.api_list": S,
    "stream.api_get": S,
    "stream.api_edit": S,
    "stream.api_delete": S,
    "stream.api_shares": S,
    "stream.api_share": M,
    "stream.api_unshare": S,
    "stream.api_save_position": S,
    "stream.edit": S,
    "stream.delete": S,
    "stream.create_link_form": M,
    "stream.share_with_person": M,
    "stream.revoke_share": S,
    # captions: adding one stores a file (members, as uploads); removing, any owner
    "stream.api_add_caption": M,
    "stream.api_remove_caption": S,
    "stream.add_caption_form": M,
    "stream.remove_caption_form": S,
    # media: anyone reaches the route; video_access decides per video
    "stream.original": A,
    "stream.download": A,
    "stream.hls_master": A,
    "stream.hls_file": A,
    "stream.poster": A,
    "stream.chapters_track": A,
    "stream.thumbnail": A,
    "stream.storyboard_index": A,
    "stream.storyboard_image": A,
    "stream.caption_file": A,
    "stream.hls_subtitles": A,
}

ROLE_NEEDED = {Need.MEMBER: Role.MEMBER, Need.ADMIN: Role.ADMIN}

# Set in the session of an account that must set up a second factor before anything
# else (the "require two-factor sign-in" site setting); these endpoints stay open to it.
SETUP_SECOND_FACTOR = "setup_second_factor"
OPEN_DURING_SETUP = frozenset(
    {
        "static",
        "ops.healthz",
        "ops.readyz",
        "ops.metrics_endpoint",
        "auth.signout",
        "auth.api_session",
        "auth.two_factor",
        "auth.totp_setup",
        "auth.totp_confirm",
        "auth.passkey_options",
        "auth.passkey_register",
    }
)


def required(endpoint: str) -> Need | None:
    """What ``endpoint`` needs, or None when it was never declared."""
    return ROUTE_PERMISSIONS.get(endpoint)


def check_route_permission() -> None:
    """Refuse the request before its view if the caller may not reach this route.

    Nobody: a page asked for with GET goes to sign-in, anything else is a 401. An
    account without the role: 403. An endpoint the table does not name: 403, logged.
    """
    endpoint = request.endpoint
    if endpoint is None:
        return  # no route matched: the 404 or 405 follows
    need = required(endpoint)
    if need is None:
        log.error("endpoint %s has no declared permission (web/permissions.py)", endpoint)
        raise AppError(403, "This address is not open to anyone.", code="undeclared_route")
    check_second_factor_setup(endpoint)
    if need is Need.ANYONE:
        return
    if current_user_id() is None:
        refuse_invalid_token()
        if wants_json() or request.method not in ("GET", "HEAD"):
            raise AppError(401, "Sign in to continue.")
        abort(sign_in_redirect())
    if need is Need.SESSION and authenticated_by_token():
        raise AppError(403, "This is managed from a signed-in browser session, not with a token.")
    role = current_role()
    wanted = ROLE_NEEDED.get(need)
    if role is None:
        raise AppError(401, "Sign in to continue.")
    if wanted is not None and not role.includes(wanted):
        raise AppError(
            403,
            f"Your account's role ({role.value}) does not allow this; it needs {wanted.value}.",
            code="role_required",
        )


def check_second_factor_setup(endpoint: str) -> None:
    """Send a session that must set up a second factor to do that first.

    A page asked for with GET goes to the setup page; anything else is a 403.
    """
    if not session.get(SETUP_SECOND_FACTOR) or authenticated_by_token():
        return
    if endpoint in OPEN_DURING_SETUP:
        return
    if request.method in ("GET", "HEAD") and not wants_json():
        abort(redirect(service_url("auth.two_factor")))
    raise AppError(
        403,
        "This site requires two-factor sign-in: set up an authenticator app or a passkey first.",
        code="second_factor_required",
    )


def init_permissions(app: Flask) -> None:
    """Check the route permission table before every view (after CSRF and rate limits)."""
    app.before_request(check_route_permission)
