"""Who is asking, and may they see this? The one place access is decided."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from flask import Flask, current_app, g, redirect, request, session
from sqlalchemy import select, update
from werkzeug.wrappers import Response

from vidstream.extensions import csrf, db
from vidstream.models import AccessToken, Role, Upload, User
from vidstream.models.base import utcnow
from vidstream.models.token import hash_token
from vidstream.web.errors import AppError
from vidstream.web.paths import path_kind
from vidstream.web.urls import service_url

# A token's last use is recorded at most this often, so a busy script costs no write per request.
LAST_USED_RESOLUTION = timedelta(minutes=5)


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer`` header ('' if empty), or None without one."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


def current_user_id() -> int | None:
    """The caller's user id: from a Bearer token if one is sent, else from the session.

    A request that carries a token is judged by the token alone, never by a cookie that
    happens to come with it. The session path touches no SQL.
    """
    token = bearer_token()
    if token is None:
        value = session.get("user_id")
        return value if isinstance(value, int) else None
    if "vidstream_token_user" not in g:
        g.vidstream_token_user = _token_user_id(token)
    user_id: int | None = g.vidstream_token_user
    return user_id


def _token_user_id(token: str) -> int | None:
    """The owner of an active token of an enabled account, recording when it was last used.

    The same query reads the owner's role, so the permission check costs nothing more.
    """
    if not token:
        return None
    row = db.session.execute(
        select(AccessToken.id, AccessToken.owner_id, AccessToken.last_used_at, User.role)
        .join(User, User.id == AccessToken.owner_id)
        .where(
            AccessToken.token_sha256 == hash_token(token),
            AccessToken.revoked_at.is_(None),
            User.disabled_at.is_(None),
        )
    ).first()
    if row is None:
        return None
    g.vidstream_role = row.role
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        # Its own short transaction, committed before the view starts its own work.
        db.session.execute(
            update(AccessToken).where(AccessToken.id == row.id).values(last_used_at=now)
        )
        db.session.commit()
    return int(row.owner_id)


# How often a long request made with a token checks that the token still holds.
TOKEN_RECHECK_SECONDS = 1.0


def token_still_valid_check() -> Callable[[], None]:
    """For a long request: a check that raises 401 once its Bearer token stops holding.

    A tus PATCH may stream for minutes; revoking its token (or disabling its account)
    must stop it at its next chunk, not when it ends. The check looks the token up at
    most every :data:`TOKEN_RECHECK_SECONDS`, in an app context of its own, so it may
    run on the request's thread or a helper's. Without a token it does nothing (a
    session's upload is bound to its lock and lifetime instead).
    """
    token = bearer_token()
    if not token:
        return lambda: None
    digest = hash_token(token)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    checked_at = time.monotonic()

    def check() -> None:
        nonlocal checked_at
        if time.monotonic() - checked_at < TOKEN_RECHECK_SECONDS:
            return
        with app.app_context():
            holds = db.session.scalar(
                select(AccessToken.id)
                .join(User, User.id == AccessToken.owner_id)
                .where(
                    AccessToken.token_sha256 == digest,
                    AccessToken.revoked_at.is_(None),
                    User.disabled_at.is_(None),
                )
            )
        if holds is None:
            error = AppError(401, "This access token was revoked while the request ran.")
            error.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
            raise error
        checked_at = time.monotonic()

    return check


def current_role() -> Role | None:
    """The caller's role, or None for nobody; read once per request.

    A token request learnt it in the token lookup; a session request in the session
    guard (web/sessions.py), which reads the account on every page anyway.
    """
    user_id = current_user_id()
    if user_id is None:
        return None
    if "vidstream_role" not in g:
        g.vidstream_role = db.session.scalar(
            select(User.role).where(User.id == user_id, User.disabled_at.is_(None))
        )
    role: Role | None = g.vidstream_role
    return role


def authenticated_by_token() -> bool:
    """Whether this request identifies its caller with a Bearer token."""
    return bearer_token() is not None


def init_csrf(app: Flask) -> None:
    """Check CSRF on every cookie-authenticated write; Bearer-token requests are exempt.

    A browser attaches the session cookie to cross-site requests on its own, so those
    need the CSRF token; it never attaches an ``Authorization`` header by itself, so a
    request carrying one (judged by that token alone) cannot be forged that way.
    An API request from nobody acts as nobody, so it is left to the permission check
    (401) rather than refused as a forgery. ``WTF_CSRF_CHECK_DEFAULT`` is off so this
    hook replaces Flask-WTF's own.
    """

    csrf.init_app(app)

    @app.before_request
    def _csrf_unless_bearer() -> None:
        if not current_app.config.get("WTF_CSRF_ENABLED", True) or authenticated_by_token():
            return
        if path_kind(request.path).is_api and current_user_id() is None:
            return
        csrf.protect(apply_exemptions=True)


def current_user() -> User | None:
    """The signed-in user's row, or None."""
    user_id = current_user_id()
    return db.session.get(User, user_id) if user_id is not None else None


def sign_in_redirect() -> Response:
    """Send a browser to the sign-in page, returning here afterwards."""
    return redirect(service_url("auth.signin", next=request.url))


def refuse_invalid_token() -> None:
    """A request whose Bearer token signs nobody in is refused, whatever else it carries."""
    if authenticated_by_token() and current_user_id() is None:
        error = AppError(401, "This access token is not valid (unknown or revoked).")
        error.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        raise error


def owned_upload(public_id: str) -> Upload:
    """A resumable upload the current user created; 404 for anyone else's or none."""
    upload = db.session.scalar(
        select(Upload).where(Upload.public_id == public_id, Upload.owner_id == current_user_id())
    )
    if upload is None:
        raise AppError(404, "No upload with that id exists.")
    return upload
