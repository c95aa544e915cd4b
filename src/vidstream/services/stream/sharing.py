"""Sharing rules and transactions: editing a video, its links and its recipients.

The owner's pages and the JSON API both come here, so a rule (what an option may be,
who may receive a share) is written once. Every change to who may see a video drops
the video's cached serving facts (and a link's), so the byte path honours it at once.

What counts, written down (docs/security.md repeats it):

- an **open** is any load of a link's page or embed, the password form included;
- a **view** is an open that hands out a grant to play the video (after the password,
  when there is one). A browser that opens the same link again within
  :data:`VIEW_WINDOW_SECONDS` reuses its grant and makes no new view; an embed in
  another site's frame gets no cookies, so each of its loads is a view. ``max_views``
  limits views: the one that would pass it is refused with 410.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from vidstream.extensions import db
from vidstream.media_index import forget_link, forget_media
from vidstream.models import Share, ShareKind, User, Video, Visibility
from vidstream.models.base import utcnow
from vidstream.models.share import new_share_token
from vidstream.models.user import normalise_username
from vidstream.services.stream.tags import set_tags
from vidstream.web.access import current_user_id
from vidstream.web.audit import record
from vidstream.web.errors import AppError
from vidstream.web.text import clean_text

VIEW_WINDOW_SECONDS = 30 * 60
MAX_EXPIRY_SECONDS = 366 * 86400
MIN_EXPIRY_SECONDS = 60
MAX_VIEWS = 1_000_000
MAX_LINKS_PER_VIDEO = 100
TITLE_LENGTH, DESCRIPTION_LENGTH, LABEL_LENGTH, USERNAME_LENGTH = 200, 5000, 100, 64
PASSWORD_LENGTHS = (4, 200)
DIGITS = re.compile(r"-?[0-9]{1,12}")
# The same answer for an unknown account and one that cannot receive shares.
NO_RECIPIENT = "There is no account with that username that can receive shares."


def invalid(message: str) -> AppError:
    """A value the caller sent that cannot be used (400)."""
    return AppError(400, message, code="invalid_value")


def edit_video(
    video: Video,
    *,
    title: str | None = None,
    description: str | None = None,
    visibility: str | None = None,
    tags: list[str] | None = None,
) -> Video:
    """Change what was given; a blank title, an unknown visibility or a bad tag is a 400."""
    if title is not None:
        cleaned = clean_text(_at_most("title", title, TITLE_LENGTH), TITLE_LENGTH, single_line=True)
        if not cleaned:
            raise AppError(400, "A title cannot be empty.", code="invalid_title")
        video.title = cleaned
    if description is not None:
        video.description = clean_text(
            _at_most("description", description, DESCRIPTION_LENGTH), DESCRIPTION_LENGTH
        )
    if visibility is not None:
        video.visibility = parse_visibility(visibility)
    if tags is not None:
        set_tags(video, tags)
    db.session.commit()
    _forget_video(video)
    return video


def parse_visibility(value: str) -> Visibility:
    """``private``, ``unlisted`` or ``public``; anything else is a 400."""
    try:
        return Visibility(value)
    except ValueError:
        choices = ", ".join(v.value for v in Visibility)
        raise AppError(
            400, f"Visibility must be one of {choices}.", code="invalid_visibility"
        ) from None


@dataclass(frozen=True)
class LinkOptions:
    """What a new share link may be given; each is checked by :func:`link_options`."""

    expires_in_seconds: int | None = None
    password: str | None = None
    max_views: int | None = None
    allow_download: bool = False
    label: str = ""


def _at_most(name: str, text: str, limit: int) -> str:
    if len(text) > limit:
        raise invalid(f"{name} must be at most {limit} characters.")
    return text


def _in_range(name: str, value: int | None, low: int, high: int) -> int | None:
    if value is not None and not low <= value <= high:
        raise invalid(f"{name} must be from {low} to {high}.")
    return value


def link_options(
    *,
    expires_in_seconds: int | None = None,
    password: str | None = None,
    max_views: int | None = None,
    allow_download: bool = False,
    label: str = "",
) -> LinkOptions:
    """Options checked against the limits (the callers have checked their types)."""
    low, high = PASSWORD_LENGTHS
    if password is not None and not low <= len(password) <= high:
        raise invalid(f"A link password must be {low} to {high} characters.")
    return LinkOptions(
        expires_in_seconds=_in_range(
            "expires_in_seconds", expires_in_seconds, MIN_EXPIRY_SECONDS, MAX_EXPIRY_SECONDS
        ),
        password=password,
        max_views=_in_range("max_views", max_views, 1, MAX_VIEWS),
        allow_download=allow_download,
        label=clean_text(_at_most("label", label, LABEL_LENGTH), LABEL_LENGTH, single_line=True),
    )


def create_link(video: Video, options: LinkOptions) -> tuple[Share, str]:
    """A new share link for ``video``; returns it with its token (shown only now)."""
    if video.visibility is Visibility.PRIVATE:
        raise AppError(
            409,
            "This video is private: make it unlisted or public before sharing it by link.",
            code="video_private",
        )
    active = db.session.scalar(
        select(func.count(Share.id)).where(
            Share.video_id == video.id, Share.kind == ShareKind.LINK, Share.revoked_at.is_(None)
        )
    )
    if (active or 0) >= MAX_LINKS_PER_VIDEO:
        raise AppError(409, f"A video can have at most {MAX_LINKS_PER_VIDEO} active links.")
    token = new_share_token()
    share = Share(
        video_id=video.id,
        kind=ShareKind.LINK,
        token_sha256=Share.hash(token),
        label=options.label,
        password_hash=generate_password_hash(options.password) if options.password else None,
        expires_at=(
            utcnow() + timedelta(seconds=options.expires_in_seconds)
            if options.expires_in_seconds
            else None
        ),
        max_views=options.max_views,
        allow_download=options.allow_download,
    )
    db.session.add(share)
    db.session.commit()
    _audit("share_link_created", video, video.owner_id, share.public_id)
    return share, token


def share_with_account(video: Video, username: str) -> Share:
    """Share ``video`` with the account ``username``; 400 for yourself, 404 for nobody."""
    if not username.strip() or len(username) > USERNAME_LENGTH:
        raise invalid("Name the account to share with (at most 64 characters).")
    recipient = db.session.scalar(select(User).where(User.username == normalise_username(username)))
    if recipient is not None and recipient.id == video.owner_id:
        raise AppError(400, "You cannot share a video with yourself.", code="share_with_self")
    if recipient is None:
        raise AppError(404, NO_RECIPIENT, code="no_such_recipient")
    existing = db.session.scalar(
        select(Share).where(Share.video_id == video.id, Share.recipient_id == recipient.id)
    )
    if existing is not None:
        return existing
    share = Share(video_id=video.id, kind=ShareKind.ACCOUNT, recipient_id=recipient.id)
    db.session.add(share)
    db.session.commit()
    _forget_video(video)
    _audit("share_added", video, recipient.id, share.public_id)
    return share


def shares_of(video: Video) -> list[Share]:
    """The video's active shares: links first (newest first), then accounts."""
    query = (
        select(Share)
        .where(Share.video_id == video.id, Share.revoked_at.is_(None))
        .order_by(Share.kind.desc(), Share.created_at.desc(), Share.id.desc())
    )
    return list(db.session.scalars(query))


def revoke(video: Video, share_public_id: str) -> None:
    """End a share at once: a link is kept on record as revoked, an account share goes."""
    share = db.session.scalar(
        select(Share).where(
            Share.video_id == video.id,
            Share.public_id == share_public_id,
            Share.revoked_at.is_(None),
        )
    )
    if share is None:
        raise AppError(404, "This video has no such share.")
    token_hash, kind, recipient_id = share.token_sha256, share.kind, share.recipient_id
    if kind is ShareKind.ACCOUNT:
        db.session.delete(share)
    else:
        share.revoked_at = utcnow()
    db.session.commit()
    forget_link(token_hash)
    _forget_video(video)
    if kind is ShareKind.ACCOUNT:
        _audit("share_removed", video, recipient_id, share_public_id)
    else:
        _audit("share_link_revoked", video, video.owner_id, share_public_id)


def _audit(event: str, video: Video, target: int | None, share_public_id: str) -> None:
    detail = {"video": video.public_id, "share": share_public_id}
    record(event, actor=current_user_id(), target_user=target, detail=detail)


def _forget_video(video: Video) -> None:
    forget_media(video.public_id)


def link_share(share_id: int) -> Share | None:
    """The row of an active link share (for its page, which needs its password and counts)."""
    return db.session.scalar(
        select(Share).where(
            Share.id == share_id, Share.kind == ShareKind.LINK, Share.revoked_at.is_(None)
        )
    )


def record_open(share: Share) -> None:
    """Count one load of the link's page."""
    db.session.execute(
        update(Share)
        .where(Share.id == share.id)
        .values(opens=Share.opens + 1, last_opened_at=utcnow())
    )
    db.session.commit()


def record_view(share: Share) -> bool:
    """Count one view unless the link has used up its views; whether it was counted.

    One conditional UPDATE, so simultaneous openers cannot all pass the limit.
    """
    query = update(Share).where(Share.id == share.id).values(views=Share.views + 1)
    if share.max_views is not None:
        query = query.where(Share.views < share.max_views)
    counted: bool = db.session.execute(query).rowcount == 1  # type: ignore[attr-defined]
    db.session.commit()
    return counted


def password_matches(share: Share, password: str) -> bool:
    """Whether ``password`` opens the link.

    A password longer than any a link may have is wrong, though it is hashed only up
    to that length (the same work as the longest right one).
    """
    if share.password_hash is None:
        return True
    longest = PASSWORD_LENGTHS[1]
    matches = check_password_hash(share.password_hash, password[:longest])
    return matches and len(password) <= longest
