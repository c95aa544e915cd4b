"""The admin console's rules: accounts with their usage, changes to them, jobs, storage.

Disabling an account ends it at once everywhere the app decides: the account is
marked disabled (sign-in refuses it, the session guard and the token lookup check
it), its session epoch moves (every session ends, media requests included, see
web/sessions.py), and its tokens are revoked. Deleting removes every video row and
stored file first, then the account, whose shares, tokens and uploads cascade.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from vidstream import current
from vidstream.extensions import db
from vidstream.jobs.reprocess import Reprocessed, reprocess
from vidstream.media_index import forget_owner_media, publish_epoch
from vidstream.models import Role, User, Video, VideoStatus
from vidstream.models.base import utcnow
from vidstream.services.auth.removal import end_sessions, remove_account
from vidstream.web.audit import record
from vidstream.web.errors import AppError
from vidstream.web.site import default_daily_uploads, default_quota

log = logging.getLogger(__name__)
NO_USER = "No account with that name exists."
MAX_QUOTA = 2**53  # bytes; JSON numbers stay exact below this
MAX_DAILY = 100_000


@dataclass(frozen=True)
class UserRow:
    """One account as the console lists it."""

    username: str
    role: str
    videos: int
    original_bytes: int
    derived_bytes: int
    quota_bytes: int
    own_quota: bool
    daily_upload_limit: int
    own_daily_limit: bool
    last_seen_at: datetime | None
    disabled: bool
    created_at: datetime


def _converted_ids() -> set[str]:
    """Public ids of the videos whose upload is kept beside a playable MP4 made from it."""
    return set(db.session.scalars(select(Video.public_id).where(Video.source_format.is_not(None))))


def _is_upload(parts: list[str], converted: set[str]) -> bool:
    """Whether the key split into ``parts`` is a video's upload (counted as its original):
    its kept source, or the playable MP4 when the upload was that MP4 itself."""
    if parts[2] == "source":
        return True
    return parts[2] == "original.mp4" and parts[1] not in converted


def derived_bytes_by_video() -> dict[str, int]:
    """Bytes of every derived file (HLS, pictures, a playable MP4 made from the upload)
    per video public id, from the store."""
    storage = current.storage()
    converted = _converted_ids()
    sizes: dict[str, int] = defaultdict(int)
    for key in storage.list_keys("videos/"):
        parts = key.split("/")
        if len(parts) >= 3 and not _is_upload(parts, converted):
            sizes[parts[1]] += storage.size(key)
    return sizes


def user_rows(search: str = "") -> list[UserRow]:
    """Every account whose name contains ``search``, with its usage."""
    query = select(User).order_by(User.username).options(selectinload(User.videos))
    if search.strip():
        query = query.where(User.username.contains(search.strip().lower(), autoescape=True))
    derived = derived_bytes_by_video()
    rows = []
    for user in db.session.scalars(query):
        rows.append(
            UserRow(
                username=user.username,
                role=user.role.value,
                videos=len(user.videos),
                original_bytes=sum(v.size_bytes for v in user.videos),
                derived_bytes=sum(derived.get(v.public_id, 0) for v in user.videos),
                quota_bytes=default_quota() if user.quota_bytes is None else user.quota_bytes,
                own_quota=user.quota_bytes is not None,
                daily_upload_limit=default_daily_uploads()
                if user.daily_upload_limit is None
                else user.daily_upload_limit,
                own_daily_limit=user.daily_upload_limit is not None,
                last_seen_at=user.last_seen_at,
                disabled=user.disabled,
                created_at=user.created_at,
            )
        )
    return rows


def account(username: str) -> User:
    """The account ``username``; 404 if there is none."""
    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise AppError(404, NO_USER)
    return user


def _keep_an_admin(user: User, acting_id: int) -> None:
    if user.id == acting_id:
        raise AppError(409, "You cannot demote, disable or delete your own account here.")


@dataclass(frozen=True)
class Change:
    """What an administrator changes on an account; None leaves a value as it is."""

    role: Role | None = None
    quota_bytes: int | None = None
    daily_upload_limit: int | None = None
    disabled: bool | None = None
    default_quota: bool = False  # back to the site's default quota
    default_daily_limit: bool = False


def change_user(username: str, change: Change, acting_id: int) -> User:
    """Apply ``change`` to the account; disabling ends its access at once."""
    user = account(username)
    if change.role not in (None, user.role) or change.disabled:
        _keep_an_admin(user, acting_id)
    if change.role is not None:
        user.role = change.role
    if change.quota_bytes is not None or change.default_quota:
        user.quota_bytes = None if change.default_quota else change.quota_bytes
    if change.daily_upload_limit is not None or change.default_daily_limit:
        user.daily_upload_limit = None if change.default_daily_limit else change.daily_upload_limit
    stopped = change.disabled is True and user.disabled_at is None
    if change.disabled is not None:
        user.disabled_at = (user.disabled_at or utcnow()) if change.disabled else None
    if stopped:
        end_sessions(user)
    db.session.commit()
    if change.disabled is not None:
        publish_epoch(user.id, None if user.disabled else user.session_epoch)
        forget_owner_media(user.id)
    log.info("admin %d changed account %s: %s", acting_id, user.username, change)
    _audit_change(user, change, acting_id)
    return user


def _audit_change(user: User, change: Change, acting_id: int) -> None:
    """One audit row for the role and limits, one for disabling or enabling."""
    detail = {
        name: value.value if isinstance(value, Role) else value
        for name, value in vars(change).items()
        if name != "disabled" and value not in (None, False)
    }
    if detail:
        record("account_changed", actor=acting_id, target_user=user, detail=detail)
    if change.disabled is not None:
        event = "account_disabled" if change.disabled else "account_enabled"
        record(event, actor=acting_id, target_user=user)


def delete_user(username: str, acting_id: int) -> int:
    """Delete the account and everything it owns; returns how many videos went."""
    user = account(username)
    _keep_an_admin(user, acting_id)
    videos = remove_account(user)
    log.info("admin %d deleted account %s and %d video(s)", acting_id, username, videos)
    record("account_deleted", actor=acting_id, target_user=username, detail={"videos": videos})
    return videos


UNFINISHED = (
    VideoStatus.VALIDATING,
    VideoStatus.READY_ORIGINAL,
    VideoStatus.PROCESSING,
    VideoStatus.FAILED,
)


def job_videos() -> list[Video]:
    """Videos whose processing is queued, running or failed, newest first."""
    return list(
        db.session.scalars(
            select(Video)
            .where(Video.status.in_(UNFINISHED))
            .order_by(Video.updated_at.desc(), Video.id.desc())
            .options(selectinload(Video.job), selectinload(Video.owner))
            .limit(500)
        )
    )


def retry_job(public_id: str) -> Reprocessed:
    """Process the video again from scratch (a failed one, or one to redo)."""
    video = db.session.scalar(select(Video).where(Video.public_id == public_id))
    if video is None:
        raise AppError(404, "No video with that id exists.")
    outcome = reprocess(video)
    if outcome is not Reprocessed.QUEUED:
        raise AppError(409, f"Not queued: {outcome.value}.", code="not_queued")
    return outcome


def storage_totals() -> dict[str, int]:
    """Bytes stored per kind of file, across every account."""
    originals = db.session.scalar(select(func.coalesce(func.sum(Video.size_bytes), 0)))
    storage = current.storage()
    converted = _converted_ids()
    kinds: dict[str, int] = {
        "originals": int(originals or 0), "playable": 0, "hls": 0, "images": 0, "other": 0,
    }  # fmt: skip
    for key in storage.list_keys("videos/"):
        parts = key.split("/")
        if len(parts) < 3 or _is_upload(parts, converted):
            continue
        kind = "playable" if parts[2] == "original.mp4" else parts[2]
        kinds[kind if kind in kinds else "other"] += storage.size(key)
    return kinds


def video_names(video_ids: list[int]) -> dict[int, tuple[str, str, str]]:
    """(public id, title, owner's name) of each of the videos, by row id."""
    if not video_ids:
        return {}
    rows = db.session.execute(
        select(Video.id, Video.public_id, Video.title, User.username)
        .join(User, User.id == Video.owner_id)
        .where(Video.id.in_(video_ids))
    )
    return {row.id: (row.public_id, row.title, row.username) for row in rows}
