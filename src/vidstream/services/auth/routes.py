"""Auth views: thin wrappers over :mod:`logic`."""

from __future__ import annotations

from flask import jsonify, redirect, render_template, request, session
from flask_wtf.csrf import generate_csrf
from werkzeug.wrappers import Response

from vidstream.models import Invitation
from vidstream.models.user import normalise_username
from vidstream.services.auth import bp
from vidstream.services.auth.forms import SignInForm, SignUpForm
from vidstream.services.auth.invitations import usable_invitation
from vidstream.services.auth.logic import authenticate, create_user, record_failed_sign_in
from vidstream.services.auth.second_step import after_password, complete_sign_in
from vidstream.web.access import current_user, current_user_id
from vidstream.web.audit import record
from vidstream.web.errors import AppError
from vidstream.web.ratelimits import count_sign_in_attempt
from vidstream.web.site import signup_mode
from vidstream.web.urls import service_url


@bp.get("/")
def home() -> Response:
    """Signed-in users go to their library; everyone else to sign-in."""
    if current_user_id() is None:
        return redirect(service_url("auth.signin"))
    return redirect(service_url("stream.library"))


@bp.route("/signin", methods=["GET", "POST"])
def signin() -> Response | tuple[str, int]:
    """Sign in with an existing account."""
    form = SignInForm(next=request.args.get("next", ""))
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("auth/signin.html", form=form), status
    name = normalise_username(form.username.data or "")
    give_back = count_sign_in_attempt(name)
    try:
        user = authenticate(name, form.password.data or "")
    except AppError as error:
        record_failed_sign_in(name, error)
        form.form_errors.append(error.message)
        return render_template("auth/signin.html", form=form), error.status
    give_back()
    return after_password(user, form.next.data)


SIGNUP_REFUSED = {
    "invite": "Accounts here are by invitation. Ask an administrator for an invitation link.",
    "closed": "Sign-up is closed here. Ask an administrator for an account.",
}


@bp.route("/signup", methods=["GET", "POST"])
def signup() -> Response | tuple[str, int]:
    """Create an account, if sign-up is open, and sign in with it."""
    mode = signup_mode()
    if mode != "open":
        raise AppError(403, SIGNUP_REFUSED[mode], code=f"signup_{mode}")
    return _signup_form(None, service_url("auth.signup"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
def invitation(token: str) -> Response | tuple[str, int]:
    """Create an account with an invitation link (unless sign-up is closed)."""
    if signup_mode() == "closed":
        raise AppError(403, SIGNUP_REFUSED["closed"], code="signup_closed")
    invite = usable_invitation(token)
    return _signup_form(invite, service_url("auth.invitation", token=token))


def _signup_form(invite: Invitation | None, action: str) -> Response | tuple[str, int]:
    form = SignUpForm()
    page = {"form": form, "action": action, "invitation": invite}
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("auth/signup.html", **page), status
    try:
        user = create_user(form.username.data or "", form.password.data or "", invitation=invite)
    except AppError as error:
        form.username.errors = [error.message]
        return render_template("auth/signup.html", **page), error.status
    return complete_sign_in(user, None)


@bp.post("/signout")
def signout() -> Response:
    """End the session everywhere it is used (the store entry is deleted)."""
    user_id = current_user_id()
    if user_id is not None:
        record("signout", actor=user_id, target_user=user_id)
    session.clear()
    return redirect(service_url("auth.signin"))


@bp.get("/api/session")
def api_session() -> Response:
    """Who is signed in (by session or token), and the CSRF token to send as ``X-CSRFToken``."""
    user = current_user()
    return jsonify(
        user={"username": user.username} if user is not None else None,
        csrf_token=generate_csrf(),
    )
