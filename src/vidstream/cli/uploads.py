"""``vidstream uploads``: housekeeping of resumable uploads."""

from __future__ import annotations

import click

from vidstream.app import create_app
from vidstream.services.upload.tus.uploads import collect_expired_uploads


@click.group("uploads")
def uploads_group() -> None:
    """Manage resumable uploads."""


@uploads_group.command("gc")
def gc() -> None:
    """Delete expired unfinished uploads and their partial files."""
    with create_app(services=["upload"]).app_context():
        removed = collect_expired_uploads()
    click.echo(f"removed {removed} expired upload(s)")
