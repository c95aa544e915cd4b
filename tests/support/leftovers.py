"""What a request may leave behind: rows, stored objects and staging files.

A refused request must change none of them. :func:`snapshot` records them all,
:func:`changes` says what differs between two snapshots, and
:func:`nothing_left_behind` wraps a block that must not change anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from typing import Any

from flask import Flask
from sqlalchemy import select

from vidstream import current
from vidstream.extensions import db
from vidstream.models import AccessToken, Caption, Share, Upload, User, Video


@dataclass(frozen=True)
class Snapshot:
    """Everything a request could add, change or remove, as comparable sets."""

    videos: frozenset[tuple[str, str, str]]  # public id, title, status
    uploads: frozenset[tuple[str, int]]  # public id, offset
    users: frozenset[tuple[str, str, int]]  # username, password hash, session epoch
    tokens: frozenset[tuple[int, bool]]  # id, revoked
    shares: frozenset[tuple[str, bool, int]]  # public id, revoked, views
    captions: frozenset[tuple[int, str, str]]  # video row id, language, version
    stored: frozenset[str]  # storage keys
    staged: frozenset[tuple[str, int]]  # files under the staging dir (relative path, size)


def snapshot(app: Flask) -> Snapshot:
    """Record the database rows, storage keys and staging files of ``app`` now."""
    staging = current.settings(app).staging_dir
    with app.app_context():
        videos = db.session.execute(select(Video.public_id, Video.title, Video.status)).all()
        uploads = db.session.execute(select(Upload.public_id, Upload.offset)).all()
        users = db.session.execute(
            select(User.username, User.password_hash, User.session_epoch)
        ).all()
        tokens = db.session.execute(select(AccessToken.id, AccessToken.revoked_at)).all()
        shares = db.session.execute(select(Share.public_id, Share.revoked_at, Share.views)).all()
        captions = db.session.execute(
            select(Caption.video_id, Caption.language, Caption.version)
        ).all()
    return Snapshot(
        videos=frozenset((pid, title, str(status)) for pid, title, status in videos),
        uploads=frozenset((pid, offset) for pid, offset in uploads),
        users=frozenset((name, hashed, epoch) for name, hashed, epoch in users),
        tokens=frozenset((token_id, revoked is not None) for token_id, revoked in tokens),
        shares=frozenset((pid, revoked is not None, views) for pid, revoked, views in shares),
        captions=frozenset((vid, language, version) for vid, language, version in captions),
        stored=frozenset(current.storage(app).list_keys("")),
        staged=frozenset(
            (p.relative_to(staging).as_posix(), p.stat().st_size)
            for p in staging.rglob("*")
            if p.is_file()
        ),
    )


def changes(before: Snapshot, after: Snapshot) -> dict[str, dict[str, list[Any]]]:
    """What was added to and removed from each part between two snapshots (empty: nothing)."""
    found: dict[str, dict[str, list[Any]]] = {}
    for part in fields(Snapshot):
        old, new = getattr(before, part.name), getattr(after, part.name)
        if old != new:
            found[part.name] = {"added": sorted(new - old), "removed": sorted(old - new)}
    return found


@contextmanager
def nothing_left_behind(app: Flask) -> Iterator[Snapshot]:
    """Fail unless the block leaves rows, stored objects and staging files as they were."""
    before = snapshot(app)
    yield before
    difference = changes(before, snapshot(app))
    assert not difference, f"the request left something behind: {difference}"
