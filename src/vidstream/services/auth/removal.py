"""Ending an account's access, and removing an account with everything it owns.

One path for both kinds of deletion, an admin's and a person's own: every session
ends (the epoch moves, the stored sessions go), every token is revoked, then each
video row goes with its stored files (its shares, tags, collection places and
analytics rows cascade), then the partial files of unfinished tus uploads, then the
account, whose collections, uploads, shares received and tokens cascade. Audit rows
keep the account's name and lose its id.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash

from vidstream import current
from vidstream.extensions import db
from vidstream.media_index import forget_media, publish_epoch
from vidstream.models import AccessToken, Role, Upload, User, Video
from vidstream.models.base import utcnow
from vidstream.web.audit import record
from vidstream.web.errors import AppError
from vidstream.web.session_list import end_every_session

log = logging.getLogger(__name__)


def end_sessions(user: User) -> None:
    """Move the epoch (every session ends, media too) and revoke every token; caller commits."""
    user.session_epoch = user.session_epoch + 1
    db.session.execute(
        update(AccessToken)
        .where(AccessToken.owner_id == user.id, AccessToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    end_every_session(user.id)


def _remove_partial_files(user_id: int) -> None:
    """Delete the partial files of the account's unfinished tus uploads."""
    tus_dir = current.settings().tus_dir
    public_ids = db.session.scalars(select(Upload.public_id).where(Upload.owner_id == user_id))
    for public_id in public_ids:
        (tus_dir / public_id).unlink(missing_ok=True)


def remove_account(user: User) -> int:
    """Delete the account and everything it owns; returns how many videos went."""
    end_sessions(user)
    db.session.commit()
    publish_epoch(user.id, None)
    storage = current.storage()
    videos = list(db.session.scalars(select(Video).where(Video.owner_id == user.id)))
    for video in videos:
        public_id, prefix = video.public_id, video.storage_prefix
        db.session.delete(video)
        db.session.commit()
        forget_media(public_id)
        storage.delete_prefix(prefix)
    _remove_partial_files(user.id)
    db.session.delete(user)
    db.session.commit()
    return len(videos)


NOT_DELETED = "The password is not correct; nothing was deleted."
LAST_ADMIN = "You are the only administrator: make another account an admin before deleting yours."


def delete_own_account(user_id: int, password: str) -> str:
    """Delete the caller's account after checking the password again; returns its name.

    A wrong password is 403 and nothing is removed; the last enabled administrator
    cannot delete themselves (409), so an installation always keeps one.
    """
    user = db.session.get(User, user_id)
    if user is None or not check_password_hash(user.password_hash, password):
        raise AppError(403, NOT_DELETED, code="bad_password")
    if user.role is Role.ADMIN and _enabled_admins() <= 1:
        raise AppError(409, LAST_ADMIN, code="last_admin")
    name = user.username
    videos = remove_account(user)
    log.info("account %s deleted itself and %d video(s)", name, videos)
    record("account_deleted", actor=name, target_user=name, detail={"videos": videos})
    return name


def _enabled_admins() -> int:
    query = select(func.count(User.id)).where(User.role == Role.ADMIN, User.disabled_at.is_(None))
    return int(db.session.scalar(query) or 0)
