"""Registering a file as a video without the upload path (for huge sparse files)."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from vidstream import current
from vidstream.extensions import db
from vidstream.models import User, Video, VideoStatus


def add_raw_video(app: Flask, username: str, path: Path) -> str:
    """Hard-link ``path`` into storage as a ready video of ``username``; return its public id."""
    with app.app_context():
        owner = db.session.scalars(select(User).where(User.username == username)).one()
        video = Video(owner_id=owner.id, title="big", original_filename="big.mp4",
                      size_bytes=path.stat().st_size, status=VideoStatus.READY)  # fmt: skip
        db.session.add(video)
        db.session.flush()
        target = current.storage(app).path(video.original_key)
        target.parent.mkdir(parents=True)
        os.link(path, target)
        db.session.commit()
        return video.public_id
