"""``vidstream videos``: see where videos are in processing, and process them again."""

from __future__ import annotations

import click
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from vidstream.app import create_app
from vidstream.extensions import db
from vidstream.jobs.reprocess import reprocess, videos_to_reprocess
from vidstream.models import Video
from vidstream.web.representations import processing_json


@click.group("videos")
def videos_group() -> None:
    """Inspect and reprocess videos."""


@videos_group.command("list")
def list_videos() -> None:
    """Print every video: id, status, processing step and progress, title."""
    with create_app(services=[]).app_context():
        query = select(Video).order_by(Video.id).options(selectinload(Video.job))
        for video in db.session.scalars(query):
            info = processing_json(video)
            reason = f"  ({video.status_reason})" if video.status_reason else ""
            click.echo(
                f"{video.public_id}  {video.status.value:<14} {info['step']:<10} "
                f"{info['progress']:>4.0%}  {video.title}{reason}"
            )


@videos_group.command("reprocess")
@click.argument("public_ids", nargs=-1)
@click.option("--all", "all_videos", is_flag=True, help="Every video in the library.")
def reprocess_command(public_ids: tuple[str, ...], all_videos: bool) -> None:
    """Make a video's poster, storyboard and renditions again (give ids, or --all)."""
    if bool(public_ids) == all_videos:
        raise click.UsageError("Give one or more video ids, or --all.")
    with create_app(services=[]).app_context():
        videos = videos_to_reprocess(None if all_videos else public_ids)
        missing = set(public_ids) - {video.public_id for video in videos}
        for video in videos:
            click.echo(f"{video.public_id}: {reprocess(video).value}")
        if missing:
            raise click.ClickException(f"no such video: {', '.join(sorted(missing))}")
