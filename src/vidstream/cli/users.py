"""``vidstream users``: account administration from the shell."""

from __future__ import annotations

import click
from sqlalchemy import select

from vidstream.app import create_app
from vidstream.extensions import db
from vidstream.models import User
from vidstream.services.auth.forms import USERNAME_RULE
from vidstream.services.auth.logic import create_user
from vidstream.web.errors import AppError

_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{2,31}$"


@click.group("users")
def users_group() -> None:
    """Manage accounts."""


@users_group.command("create")
@click.argument("username")
@click.option("--admin", is_flag=True, help="Make the account an administrator.")
@click.password_option(
    envvar="VIDSTREAM_NEW_PASSWORD", help="Password (prompted for, or VIDSTREAM_NEW_PASSWORD)."
)
def create(username: str, admin: bool, password: str) -> None:
    """Create an account, even when sign-up is closed."""
    import re

    if not re.fullmatch(_NAME, username):
        raise click.BadParameter(USERNAME_RULE, param_hint="USERNAME")
    if len(password) < 8:
        raise click.BadParameter("Passwords are at least 8 characters.", param_hint="--password")
    with create_app().app_context():
        try:
            user = create_user(username, password, is_admin=admin)
        except AppError as error:
            raise click.ClickException(error.message) from None
        click.echo(f"created {'admin ' if admin else ''}user {user.username}")


@users_group.command("list")
def list_users() -> None:
    """Print every account."""
    with create_app().app_context():
        for user in db.session.scalars(select(User).order_by(User.username)):
            click.echo(f"{user.username}{'  (admin)' if user.is_admin else ''}")
