"""Library rows without media: many videos of one owner, for search, sort and paging."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import select

from vidstream.extensions import db
from vidstream.models import User, Video, VideoStatus
from vidstream.services.stream.tags import set_tags

BASE_TIME = datetime(2026, 1, 1, 12, 0, 0)


def add_rows(app: Flask, username: str, specs: list[dict[str, Any]]) -> list[str]:
    """Add one ready video row per spec (``title``, ``tags`` and any Video column).

    Returns the public ids in spec order. Unless a spec says otherwise, every row gets
    the same ``created_at``, size and duration, so orders rest on their tiebreaker.
    """
    with app.app_context():
        owner_id = db.session.scalars(select(User.id).where(User.username == username)).one()
        videos = []
        for spec in specs:
            fields = {
                "title": "untitled",
                "original_filename": "v.mp4",
                "size_bytes": 1000,
                "duration_seconds": 10.0,
                "status": VideoStatus.READY,
                "created_at": BASE_TIME,
                **{k: v for k, v in spec.items() if k != "tags"},
            }
            video = Video(owner_id=owner_id, **fields)
            db.session.add(video)
            videos.append((video, spec.get("tags")))
        db.session.flush()
        for video, tags in videos:
            if tags:
                set_tags(video, tags)
        db.session.commit()
        return [video.public_id for video, _ in videos]


def minutes(n: int) -> datetime:
    """``n`` minutes after the rows' default creation time."""
    return BASE_TIME + timedelta(minutes=n)
