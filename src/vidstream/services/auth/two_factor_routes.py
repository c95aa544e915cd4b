"""The account's second factors: the authenticator app, recovery codes and passkeys.

Every code typed here counts against the account's sign-in limit (as a sign-in
does), so a borrowed session cannot try codes faster than a sign-in could.
"""

from __future__ import annotations

import base64
import time
from typing import Any

from flask import jsonify, redirect, render_template, request
from werkzeug.security import check_password_hash
from werkzeug.wrappers import Response

from vidstream.extensions import db
from vidstream.models import User
from vidstream.services.auth import bp, passkeys, totp
from vidstream.services.auth.forms import CodeForm, EmptyAccountForm, TotpOffForm
from vidstream.services.auth.second_step import has_second_factor, second_factor_set_up
from vidstream.web.access import current_user_id
from vidstream.web.audit import record
from vidstream.web.errors import AppError
from vidstream.web.ratelimits import count_sign_in_attempt
from vidstream.web.site import two_factor_required
from vidstream.web.urls import service_url

EXPIRED = "This form has expired. Reload the page and try again."


def _me() -> User:
    user = db.session.get(User, current_user_id() or 0)
    if user is None:
        raise AppError(401, "Sign in to continue.")
    return user


def checked_code(user: User, code: str, *, recovery: bool = True) -> str:
    """Check a typed code against the account's sign-in limit; 422 if wrong, 429 if too many."""
    give_back = count_sign_in_attempt(user.username)
    kind = totp.check_code(user.id, code, recovery=recovery)
    give_back()
    return kind


def _qr_data_uri(user: User) -> tuple[str, str] | None:
    """The unconfirmed setup's secret and its QR code as a ``data:`` URI, if one is waiting."""
    row = totp.factor(user.id)
    secret = totp.unseal(row.secret_encrypted) if row is not None and not row.confirmed else None
    if secret is None:
        return None
    svg = totp.qr_svg(totp.provisioning_uri(secret, user.username))
    return secret, "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def _page(status: int = 200, **forms: Any) -> tuple[str, int]:
    user = _me()
    page = {
        "user": user,
        "totp_on": totp.totp_on(user.id),
        "setup": _qr_data_uri(user),
        "codes_left": totp.recovery_codes_left(user.id),
        "passkeys": passkeys.passkeys(user.id),
        "required": two_factor_required(),
        "has_factor": has_second_factor(user.id),
        "start": EmptyAccountForm(formdata=None),
        "confirm": CodeForm(formdata=None),
        "regenerate": CodeForm(formdata=None, prefix="regenerate"),
        "off": TotpOffForm(formdata=None),
        "recovery_codes": None,
        **forms,
    }
    return render_template("auth/two_factor.html", **page), status


@bp.get("/account/two-factor")
def two_factor() -> tuple[str, int]:
    """The authenticator app (set up, recovery codes, turn off) and the passkeys."""
    return _page()


@bp.post("/account/two-factor/totp")
def totp_setup() -> Response:
    """Start setting up an authenticator app: a fresh secret, shown with its QR code."""
    if not EmptyAccountForm().validate_on_submit():
        raise AppError(400, EXPIRED)
    totp.start_setup(_me().id)
    return redirect(service_url("auth.two_factor"), code=303)


@bp.post("/account/two-factor/totp/confirm")
def totp_confirm() -> tuple[str, int]:
    """Turn the app on with a code it shows, and show ten recovery codes once."""
    form = CodeForm()
    if not form.validate_on_submit():
        return _page(422, confirm=form)
    user = _me()
    give_back = count_sign_in_attempt(user.username)
    try:
        codes = totp.confirm_setup(user.id, form.code.data or "")
    except AppError as error:
        form.code.errors = [error.message]
        return _page(error.status, confirm=form)
    give_back()
    second_factor_set_up()
    record("totp_on", actor=user, target_user=user)
    return _page(recovery_codes=codes)


@bp.post("/account/two-factor/recovery")
def recovery_regenerate() -> tuple[str, int]:
    """Replace the recovery codes (an authenticator code is needed)."""
    form = CodeForm(prefix="regenerate")
    if not form.validate_on_submit():
        return _page(422, regenerate=form)
    user = _me()
    try:
        checked_code(user, form.code.data or "", recovery=False)
    except AppError as error:
        form.code.errors = [error.message]
        return _page(error.status, regenerate=form)
    codes = totp.new_recovery_codes(user.id)
    record("recovery_codes_renewed", actor=user, target_user=user)
    return _page(recovery_codes=codes)


def _last_factor_refused(user: User) -> str | None:
    if two_factor_required() and not passkeys.passkeys(user.id):
        return "This site requires two-factor sign-in: add a passkey before turning the app off."
    return None


@bp.post("/account/two-factor/totp/off")
def totp_disable() -> Response | tuple[str, int]:
    """Turn the authenticator app off (the password and a code are needed)."""
    form = TotpOffForm()
    if not form.validate_on_submit():
        return _page(422, off=form)
    user = _me()
    refused = _last_factor_refused(user)
    if refused:
        form.form_errors.append(refused)
        return _page(409, off=form)
    if not check_password_hash(user.password_hash, form.password.data or ""):
        form.password.errors = ["The password is not correct."]
        return _page(403, off=form)
    try:
        checked_code(user, form.code.data or "")
    except AppError as error:
        form.code.errors = [error.message]
        return _page(error.status, off=form)
    totp.turn_off(user.id)
    record("totp_off", actor=user, target_user=user)
    return redirect(service_url("auth.two_factor"), code=303)


@bp.post("/account/passkeys/options")
def passkey_options() -> Response:
    """Options for the browser to make a passkey (a challenge kept in the session)."""
    options = passkeys.registration_options(_me(), int(time.time()))
    return Response(options, mimetype="application/json")


@bp.post("/account/passkeys")
def passkey_register() -> tuple[Response, int]:
    """Keep the passkey the browser made for :func:`passkey_options`."""
    user = _me()
    row = passkeys.register(user.id, request.get_json(silent=True), int(time.time()))
    second_factor_set_up()
    record("passkey_added", actor=user, target_user=user, detail={"name": row.name})
    return jsonify(passkey={"id": row.id, "name": row.name}), 201


@bp.post("/account/passkeys/<int:passkey_id>/remove")
def passkey_remove(passkey_id: int) -> Response:
    """Forget one passkey (not the last factor where the site requires one)."""
    if not EmptyAccountForm().validate_on_submit():
        raise AppError(400, EXPIRED)
    user = _me()
    if two_factor_required() and not totp.totp_on(user.id) and len(passkeys.passkeys(user.id)) == 1:
        raise AppError(409, "This site requires two-factor sign-in: keep at least one factor.")
    passkeys.remove(user.id, passkey_id)
    record("passkey_removed", actor=user, target_user=user, detail={"id": passkey_id})
    return redirect(service_url("auth.two_factor"), code=303)
