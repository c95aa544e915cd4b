"""``vidstream storage check``: find (and with ``--repair`` fix) database/storage mismatches."""

from __future__ import annotations

from datetime import timedelta

import click

from vidstream.app import create_app
from vidstream.storage.check import StorageReport, check_storage


@click.group("storage")
def storage_group() -> None:
    """Check the media store against the database."""


def _print(report: StorageReport) -> None:
    for public_id in report.rows_without_original:
        fixed = " -> marked failed" if public_id in report.marked_failed else ""
        click.echo(f"row without original: {public_id}{fixed}")
    for key in report.missing_derived:
        click.echo(f"missing derived file: {key} (run: vidstream videos reprocess)")
    for key in report.missing_captions:
        click.echo(f"missing caption file: {key} (add the caption again, or remove it)")
    for key in [*report.files_without_rows, *report.captions_without_rows]:
        fixed = " -> deleted" if key in report.deleted_files else ""
        click.echo(f"file without row: {key}{fixed}")
    for key in report.young_files_without_rows:
        click.echo(f"file without row, within the grace period (left alone): {key}")


@storage_group.command("check")
@click.option("--repair", is_flag=True, help="Fix what is safe to fix (see the docs).")
@click.option(
    "--grace-hours",
    type=click.FloatRange(min=1),
    default=24,
    show_default=True,
    help="Files without a row are deleted only once this old.",
)
def check_command(repair: bool, grace_hours: float) -> None:
    """Report rows without files and files without rows; exit 1 if any remain."""
    with create_app(services=[]).app_context():
        report = check_storage(repair=repair, grace=timedelta(hours=grace_hours))
    _print(report)
    if report.problems:
        raise click.exceptions.Exit(1)
    click.echo("storage and database agree" if not repair else "nothing left to repair")
