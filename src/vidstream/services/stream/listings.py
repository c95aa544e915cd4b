"""Who sees which videos listed: the "Shared with me" page and an account's public page.

The access check (web/video_access.py) decides each video; these listings only choose
what to show, and leave out what the check would refuse anyway: videos of a disabled
account.
"""

from __future__ import annotations

from sqlalchemy import select

from vidstream.extensions import db
from vidstream.models import Share, ShareKind, User, Video, Visibility
from vidstream.models.user import normalise_username
from vidstream.web.errors import AppError


def shared_with(user_id: int) -> list[tuple[Video, str]]:
    """Videos shared with the account, newest share first, with their owners' names."""
    query = (
        select(Video, User.username)
        .join(Share, Share.video_id == Video.id)
        .join(User, User.id == Video.owner_id)
        .where(
            Share.recipient_id == user_id,
            Share.kind == ShareKind.ACCOUNT,
            Share.revoked_at.is_(None),
            User.disabled_at.is_(None),
        )
        .order_by(Share.created_at.desc(), Share.id.desc())
    )
    return [(video, name) for video, name in db.session.execute(query).all()]


def public_videos(username: str, page: int, per_page: int) -> tuple[User, list[Video], bool]:
    """A page of the account's public videos, newest first, and whether more follow.

    An unknown account, a disabled one and one with no public video look the same: a
    404, so the public pages do not reveal which usernames exist.
    """
    owner = db.session.scalar(
        select(User).where(
            User.username == normalise_username(username), User.disabled_at.is_(None)
        )
    )
    if owner is None:
        raise AppError(404, "There is no public page with that name.")
    query = (
        select(Video)
        .where(Video.owner_id == owner.id, Video.visibility == Visibility.PUBLIC)
        .order_by(Video.created_at.desc(), Video.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page + 1)
    )
    videos = list(db.session.scalars(query))
    if not videos and page == 1:
        raise AppError(404, "There is no public page with that name.")
    if not videos:
        raise AppError(404, "There is no such page.")
    return owner, videos[:per_page], len(videos) > per_page
