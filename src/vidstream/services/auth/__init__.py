"""Auth service: sign-up, sign-in, sign-out and sessions."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from vidstream.services.auth import (  # noqa: E402,F401  (registers the views)
    account_routes,
    admin_api,
    admin_pages,
    admin_site_pages,
    audit_pages,
    export,
    routes,
    second_step_routes,
    token_routes,
    two_factor_routes,
)
