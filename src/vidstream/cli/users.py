"""``vidstream users``: account administration from the shell."""

from __future__ import annotations

import re

import click
from sqlalchemy import select

from vidstream.app import create_app
from vidstream.extensions import db
from vidstream.models import Role, User
from vidstream.services.auth.forms import USERNAME_RULE
from vidstream.services.auth.invitations import MAX_DAYS, create_invitation
from vidstream.services.auth.logic import create_user
from vidstream.services.auth.second_step import remove_second_factors
from vidstream.web.audit import record
from vidstream.web.errors import AppError
from vidstream.web.urls import absolute_url

_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{2,31}$"
ROLES = click.Choice([role.value for role in Role])


@click.group("users")
def users_group() -> None:
    """Manage accounts."""


@users_group.command("create")
@click.argument("username")
@click.option("--role", type=ROLES, help="admin, member or viewer (default: member; admin first).")
@click.option("--admin", is_flag=True, help="The same as --role admin.")
@click.password_option(
    envvar="VIDSTREAM_NEW_PASSWORD", help="Password (prompted for, or VIDSTREAM_NEW_PASSWORD)."
)
def create(username: str, role: str | None, admin: bool, password: str) -> None:
    """Create an account, whatever the sign-up mode."""
    if not re.fullmatch(_NAME, username):
        raise click.BadParameter(USERNAME_RULE, param_hint="USERNAME")
    if len(password) < 8:
        raise click.BadParameter("Passwords are at least 8 characters.", param_hint="--password")
    if admin and role not in (None, Role.ADMIN.value):
        raise click.UsageError("--admin and --role disagree; give one of them.")
    chosen = Role.ADMIN if admin else Role(role) if role else None
    with create_app().app_context():
        try:
            user = create_user(username, password, role=chosen)
        except AppError as error:
            raise click.ClickException(error.message) from None
        click.echo(f"created {user.role.value} user {user.username}")


@users_group.command("invite")
@click.option("--role", type=ROLES, default=Role.MEMBER.value, show_default=True)
@click.option("--days", type=click.IntRange(1, MAX_DAYS), default=7, show_default=True)
@click.option("--note", default="", help="Who it is for (shown to administrators).")
def invite(role: str, days: int, note: str) -> None:
    """Print a single-use invitation link that creates one account."""
    app = create_app()
    with app.app_context(), app.test_request_context():
        _invitation, token = create_invitation(None, Role(role), days, note)
        click.echo(absolute_url("auth.invitation", token=token))


@users_group.command("list")
def list_users() -> None:
    """Print every account with its role."""
    with create_app().app_context():
        for user in db.session.scalars(select(User).order_by(User.username)):
            state = "  (disabled)" if user.disabled else ""
            click.echo(f"{user.username}  {user.role.value}{state}")


@users_group.command("reset-second-factors")
@click.argument("username")
def reset_second_factors(username: str) -> None:
    """Remove an account's authenticator app, recovery codes and passkeys."""
    with create_app().app_context():
        user = db.session.scalar(select(User).where(User.username == username.lower()))
        if user is None:
            raise click.ClickException(f"No account is named {username!r}.")
        remove_second_factors(user.id)
        record("second_factors_reset", target_user=user, detail={"by": "command line"})
        click.echo(f"{user.username} now signs in with the password alone")
