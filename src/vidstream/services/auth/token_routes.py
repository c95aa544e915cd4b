"""Token pages: list, create (the secret is shown once) and revoke."""

from __future__ import annotations

from flask import redirect, render_template
from werkzeug.wrappers import Response

from vidstream.extensions import db
from vidstream.models import User
from vidstream.services.auth import bp
from vidstream.services.auth.forms import RevokeTokenForm, TokenForm
from vidstream.services.auth.tokens import create_token, list_tokens, revoke_token
from vidstream.services.auth.totp import totp_on
from vidstream.services.auth.two_factor_routes import checked_code
from vidstream.web.access import current_user_id
from vidstream.web.errors import AppError
from vidstream.web.urls import service_url


def _page(form: TokenForm, secret: str | None = None, status: int = 200) -> tuple[str, int]:
    user_id = current_user_id() or 0
    tokens = list_tokens(user_id)
    html = render_template(
        "auth/tokens.html", form=form, tokens=tokens, secret=secret, needs_code=totp_on(user_id)
    )
    return html, status


def _second_factor(code: str) -> None:
    """With an authenticator app, a new token needs a current code from it (422 otherwise)."""
    user = db.session.get(User, current_user_id() or 0)
    if user is not None and totp_on(user.id):
        checked_code(user, code, recovery=False)


@bp.get("/tokens")
def tokens() -> tuple[str, int]:
    """The user's personal access tokens and a form to make one."""
    return _page(TokenForm())


@bp.post("/tokens")
def tokens_create() -> tuple[str, int]:
    """Create a token and show its secret, this once."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(form, status=422)
    try:
        _second_factor(form.code.data or "")
    except AppError as error:
        form.code.errors = [error.message]
        return _page(form, status=error.status)
    try:
        _token, secret = create_token(current_user_id() or 0, form.name.data or "")
    except AppError as error:
        form.name.errors = [error.message]
        return _page(form, status=error.status)
    return _page(TokenForm(formdata=None), secret=secret, status=201)


@bp.post("/tokens/<int:token_id>/revoke")
def tokens_revoke(token_id: int) -> Response:
    """Revoke one token; scripts using it are refused from now on."""
    if not RevokeTokenForm().validate_on_submit():
        raise AppError(400, "This form has expired. Reload the page and try again.")
    revoke_token(current_user_id() or 0, token_id)
    return redirect(service_url("auth.tokens"), code=303)
