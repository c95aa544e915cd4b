"""The second step of a sign-in (a code or a passkey) and passwordless passkey sign-in."""

from __future__ import annotations

import time

from flask import jsonify, redirect, render_template, request, session
from werkzeug.wrappers import Response

from vidstream.services.auth import bp, passkeys, totp
from vidstream.services.auth.forms import SecondStepForm
from vidstream.services.auth.second_step import (
    PENDING,
    complete_sign_in,
    has_passkeys,
    pending_target,
    pending_user,
)
from vidstream.web.audit import record
from vidstream.web.errors import AppError
from vidstream.web.ratelimits import count_sign_in_attempt
from vidstream.web.urls import service_url


@bp.route("/signin/second-factor", methods=["GET", "POST"])
def signin_second_factor() -> Response | tuple[str, int]:
    """Ask an account with a second factor for it, after its right password."""
    user = pending_user()
    if user is None:
        session.pop(PENDING, None)
        return redirect(service_url("auth.signin"), code=303)
    form = SecondStepForm()
    page = {
        "form": form,
        "totp_on": totp.totp_on(user.id),
        "passkey": has_passkeys(user.id),
    }
    if not form.validate_on_submit():
        status = 422 if form.is_submitted() else 200
        return render_template("auth/second_step.html", **page), status
    give_back = count_sign_in_attempt(user.username)
    try:
        kind = totp.check_code(user.id, form.code.data or "")
    except AppError as error:
        record("second_factor_failed", target_user=user, detail={"status": error.status})
        form.code.errors = [error.message]
        return render_template("auth/second_step.html", **page), error.status
    give_back()
    if kind == "recovery":
        record("recovery_code_used", actor=user, target_user=user)
    return complete_sign_in(user, pending_target())


@bp.post("/signin/passkey/options")
def signin_passkey_options() -> Response:
    """Options for the browser to sign in with a passkey (second step or passwordless)."""
    user = pending_user()
    if user is None:
        # A second step that ran out becomes a passwordless sign-in (stricter: verified).
        session.pop(PENDING, None)
    options = passkeys.authentication_options(
        user.id if user is not None else None, int(time.time())
    )
    return Response(options, mimetype="application/json")


@bp.post("/signin/passkey")
def signin_passkey() -> Response:
    """Sign in with the passkey the browser used for :func:`signin_passkey_options`."""
    body = request.get_json(silent=True)
    user = passkeys.authenticate(body, int(time.time()))
    asked = body.get("next") if isinstance(body, dict) else None
    target = pending_target() or (asked if isinstance(asked, str) else None)
    answer = complete_sign_in(user, target)
    return jsonify(redirect=answer.location)
