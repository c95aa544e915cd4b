"""``vidstream db``: schema migrations."""

from __future__ import annotations

import click

from vidstream.app import create_app
from vidstream.migrations.runner import current_revision, upgrade_database


@click.group("db")
def db_group() -> None:
    """Manage the database schema."""


@db_group.command("upgrade")
@click.option("--revision", default="heads", show_default=True, help="Target revision.")
def upgrade(revision: str) -> None:
    """Create or migrate the schema (safe to run repeatedly)."""
    app = create_app()
    upgrade_database(app, revision)
    click.echo(f"database is at revision {current_revision(app)}")


@db_group.command("current")
def current() -> None:
    """Print the schema revision the database is at."""
    click.echo(current_revision(create_app()) or "none")
