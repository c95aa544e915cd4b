"""Export my data: one ZIP, streamed to the browser while it is built.

The archive holds ``account.json`` (the profile, every video's details with its
tags, shares and caption files, the collections and the access tokens' names),
then each video's original file at ``videos/<public_id>/original.mp4`` and its
caption files under ``videos/<public_id>/captions/``. zipstream-ng writes each entry
as its bytes pass (docs/decisions.md): video bytes are stored as they are (they do
not compress), the JSON is deflated, ZIP64 records appear where an entry or an
offset passes 4 GiB, and files are read from storage in 1 MiB chunks. Nothing is
held whole in memory or written to disk, so exporting a large library costs the
server about one chunk per download in flight.

The JSON is built before the first byte is sent, in the request; the stream itself
only reads from the store, so it needs neither the database nor the request.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from flask import Response
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from zipstream import ZIP_DEFLATED, ZIP_STORED, ZipStream

from vidstream import current
from vidstream.extensions import db
from vidstream.models import AccessToken, Collection, Share, ShareKind, User, Video
from vidstream.models.base import utcnow
from vidstream.models.video import original_key
from vidstream.services.auth import bp
from vidstream.storage import Storage
from vidstream.web.access import current_user
from vidstream.web.audit import record
from vidstream.web.errors import AppError

log = logging.getLogger(__name__)
CHUNK = 1024 * 1024


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() + "Z" if moment else None


def _share_json(share: Share) -> dict[str, Any]:
    if share.kind is ShareKind.ACCOUNT:
        return {"kind": "account", "with": share.recipient.username if share.recipient else None}
    return {
        "kind": "link",
        "label": share.label,
        "password": share.password_hash is not None,
        "expires_at": _when(share.expires_at),
        "max_views": share.max_views,
        "allow_download": share.allow_download,
        "views": share.views,
        "created_at": _when(share.created_at),
        "revoked_at": _when(share.revoked_at),
    }


def _video_json(video: Video, shares: list[Share], captions: list[str]) -> dict[str, Any]:
    return {
        "id": video.public_id,
        "title": video.title,
        "description": video.description,
        "tags": video.tags,
        "visibility": video.visibility.value,
        "status": video.status.value,
        "original_filename": video.original_filename,
        "size_bytes": video.size_bytes,
        "duration_seconds": video.duration_seconds,
        "width": video.width,
        "height": video.height,
        "created_at": _when(video.created_at),
        "file": f"videos/{video.public_id}/original.mp4",
        "captions": captions,
        "shares": [_share_json(share) for share in shares],
    }


def caption_keys(storage: Storage, public_id: str) -> list[str]:
    """Every stored caption file of the video (whatever the captions feature put there)."""
    return storage.list_keys(f"videos/{public_id}/captions/")


def _account_json(user: User, videos: list[Video], captions: dict[str, list[str]]) -> bytes:
    shares = db.session.scalars(
        select(Share)
        .where(Share.video_id.in_([v.id for v in videos]))
        .options(selectinload(Share.recipient))
        .order_by(Share.id)
    )
    by_video: dict[int, list[Share]] = {}
    for share in shares:
        by_video.setdefault(share.video_id, []).append(share)
    collections = db.session.scalars(
        select(Collection)
        .where(Collection.owner_id == user.id)
        .options(selectinload(Collection.items))
        .order_by(Collection.id)
    )
    public_ids = {v.id: v.public_id for v in videos}
    tokens = db.session.scalars(select(AccessToken).where(AccessToken.owner_id == user.id))
    document = {
        "exported_at": _when(utcnow()),
        "account": {
            "username": user.username,
            "role": user.role.value,
            "created_at": _when(user.created_at),
        },
        "videos": [_video_json(v, by_video.get(v.id, []), captions[v.public_id]) for v in videos],
        "collections": [
            {
                "id": c.public_id,
                "name": c.name,
                "description": c.description,
                "videos": [public_ids.get(item.video_id) for item in c.items],
            }
            for c in collections
        ],
        "access_tokens": [
            {"name": t.name, "created_at": _when(t.created_at), "revoked_at": _when(t.revoked_at)}
            for t in tokens
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False).encode()


def _chunks(storage: Storage, key: str) -> Iterator[bytes]:
    """The stored object's bytes, a chunk at a time."""
    with storage.open(key) as fh:
        while chunk := fh.read(CHUNK):
            yield chunk


def build_export(user: User) -> ZipStream:
    """The account's archive, ready to stream (only the JSON is built now)."""
    storage = current.storage()
    videos = list(
        db.session.scalars(
            select(Video)
            .where(Video.owner_id == user.id)
            .options(selectinload(Video.tag_rows))
            .order_by(Video.id)
        )
    )
    captions = {v.public_id: caption_keys(storage, v.public_id) for v in videos}
    archive = ZipStream(compress_type=ZIP_STORED)
    archive.add(_account_json(user, videos, captions), "account.json", compress_type=ZIP_DEFLATED)
    for video in videos:
        key = original_key(video.public_id)
        archive.add(_chunks(storage, key), key, size=storage.size(key))
        for caption in captions[video.public_id]:
            archive.add(_chunks(storage, caption), caption, size=storage.size(caption))
    return archive


def export_response(user: User) -> Response:
    """The archive as a download, streamed."""
    archive = build_export(user)
    name = f"vidstream-{user.username}-{utcnow():%Y-%m-%d}.zip"
    return Response(
        iter(archive),
        mimetype="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _export() -> Response:
    user = current_user()
    if user is None:
        raise AppError(401, "Sign in to export your data.", code="sign_in_required")
    response = export_response(user)
    record("account_exported", actor=user, target_user=user)
    return response


@bp.get("/account/export")
def account_export() -> Response:
    """Download every video original, caption file and detail of the account as a ZIP."""
    return _export()


@bp.get("/api/account/export")
def api_account_export() -> Response:
    """The same archive for scripts (a token may export; it cannot delete without the password)."""
    return _export()
