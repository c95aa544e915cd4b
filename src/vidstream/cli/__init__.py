"""The ``vidstream`` command: serve, db, users."""

from __future__ import annotations

import click

from vidstream.cli.db import db_group
from vidstream.cli.serve import serve
from vidstream.cli.storage import storage_group
from vidstream.cli.tokens import tokens_group
from vidstream.cli.upload import upload
from vidstream.cli.uploads import uploads_group
from vidstream.cli.users import users_group
from vidstream.cli.videos import videos_group
from vidstream.cli.worker import worker


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="vidstream")
def main() -> None:
    """vidstream: a self-hosted, secure video library."""


main.add_command(serve)
main.add_command(db_group)
main.add_command(users_group)
main.add_command(videos_group)
main.add_command(worker)
main.add_command(tokens_group)
main.add_command(uploads_group)
main.add_command(upload)
main.add_command(storage_group)
