"""``vidstream tokens``: personal access tokens from the shell."""

from __future__ import annotations

import click
from sqlalchemy import select

from vidstream.app import create_app
from vidstream.extensions import db
from vidstream.models import User
from vidstream.models.user import normalise_username
from vidstream.services.auth.tokens import create_token, list_tokens, revoke_token
from vidstream.web.errors import AppError

_USER = click.option("--user", "username", required=True, help="The account the token acts as.")


def _user_id(username: str) -> int:
    user_id = db.session.scalar(
        select(User.id).where(User.username == normalise_username(username))
    )
    if user_id is None:
        raise click.ClickException(f"no user named {username!r}")
    return user_id


@click.group("tokens")
def tokens_group() -> None:
    """Create, list and revoke personal access tokens."""


@tokens_group.command("create")
@_USER
@click.option("--name", default="command line", show_default=True, help="What the token is for.")
def create(username: str, name: str) -> None:
    """Create a token and print it (to stdout, alone, so scripts can capture it)."""
    with create_app().app_context():
        try:
            token, secret = create_token(_user_id(username), name)
        except AppError as error:
            raise click.ClickException(error.message) from None
        click.echo(
            f"created token {token.id} ({token.name}); it is shown only this once:", err=True
        )
        click.echo(secret)


@tokens_group.command("list")
@_USER
def list_command(username: str) -> None:
    """Print the user's tokens: id, status, last use and name."""
    with create_app().app_context():
        for token in list_tokens(_user_id(username)):
            status = "active" if token.active else "revoked"
            used = token.last_used_at.strftime("%Y-%m-%d %H:%M") if token.last_used_at else "never"
            click.echo(f"{token.id}\t{status}\tlast used {used}\t{token.name}")


@tokens_group.command("revoke")
@click.argument("token_id", type=int)
@_USER
def revoke(token_id: int, username: str) -> None:
    """Revoke token TOKEN_ID of the user."""
    with create_app().app_context():
        try:
            token = revoke_token(_user_id(username), token_id)
        except AppError as error:
            raise click.ClickException(error.message) from None
        click.echo(f"revoked token {token.id} ({token.name})")
