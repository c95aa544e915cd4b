"""The ``vidstream`` command: serve, db, users."""

from __future__ import annotations

import click

from vidstream.cli.db import db_group
from vidstream.cli.serve import serve
from vidstream.cli.users import users_group


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="vidstream")
def main() -> None:
    """vidstream: a self-hosted, secure video library."""


main.add_command(serve)
main.add_command(db_group)
main.add_command(users_group)
