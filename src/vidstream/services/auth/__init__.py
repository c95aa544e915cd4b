"""Auth service: sign-up, sign-in, sign-out and sessions."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from vidstream.services.auth import account_routes, admin_api, routes, token_routes  # noqa: E402,F401  (registers the views)
