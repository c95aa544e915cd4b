"""Who may do what with a video: the one access check and its permission table.

Every page, API call and byte of a video asks :func:`video_access` (or
:func:`managed_video` for a row its owner changes). It works out what kind of
viewer the caller is for this video, then looks the action up in
:data:`PERMISSIONS`. Anyone the table does not allow learns nothing: a 404, the same
as for a video that does not exist; a caller who is not signed in and holds no link
is asked to sign in (401 for API and media calls, the sign-in page for pages), for
existing and unknown videos alike.

The kinds of viewer, strongest first:

- ``owner``: the signed-in account that uploaded it;
- ``link``: whoever opened one of its share links (only while the video is unlisted
  or public, and the link neither revoked nor expired; its bytes need the grant the
  link's page gave, see :mod:`.link_grants`);
- ``recipient``: a signed-in account it is shared with;
- ``public``: anyone at all, while the video is public.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass

from flask import abort, request
from sqlalchemy import select

from vidstream.extensions import db
from vidstream.media_index import LinkInfo, MediaInfo, link_info, media_info
from vidstream.models import Video, Visibility
from vidstream.web.access import current_user_id, refuse_invalid_token, sign_in_redirect
from vidstream.web.errors import AppError, wants_json
from vidstream.web.link_grants import grant_names

NOT_FOUND = "No video with that id exists in your library."
LINK_NOT_FOUND = "This link does not exist or has been revoked."


class Action(enum.StrEnum):
    """What a caller wants to do with a video."""

    WATCH = "watch"  # its pages and every byte that plays it
    DOWNLOAD = "download"  # the original file as an attachment
    MANAGE = "manage"  # edit, delete, share, see who watched


class ViewerKind(enum.StrEnum):
    """Why a caller may see a video at all."""

    OWNER = "owner"
    LINK = "link"
    RECIPIENT = "recipient"
    PUBLIC = "public"


class Rule(enum.Enum):
    """One cell of the permission table."""

    YES = "yes"
    NO = "no"
    IF_LINK_ALLOWS = "if the link allows downloads"


# The permission table. Rows: actions; columns: kinds of viewer.
PERMISSIONS: dict[Action, dict[ViewerKind, Rule]] = {
    Action.WATCH: {
        ViewerKind.OWNER: Rule.YES,
        ViewerKind.LINK: Rule.YES,
        ViewerKind.RECIPIENT: Rule.YES,
        ViewerKind.PUBLIC: Rule.YES,
    },
    Action.DOWNLOAD: {
        ViewerKind.OWNER: Rule.YES,
        ViewerKind.LINK: Rule.IF_LINK_ALLOWS,
        ViewerKind.RECIPIENT: Rule.NO,
        ViewerKind.PUBLIC: Rule.NO,
    },
    Action.MANAGE: {
        ViewerKind.OWNER: Rule.YES,
        ViewerKind.LINK: Rule.NO,
        ViewerKind.RECIPIENT: Rule.NO,
        ViewerKind.PUBLIC: Rule.NO,
    },
}


@dataclass(frozen=True)
class Viewer:
    """Who is asking, as far as one video is concerned."""

    kind: ViewerKind
    user_id: int | None = None
    link: LinkInfo | None = None

    @property
    def holds_long_links(self) -> bool:
        """Whether direct links may outlive a revocation (only the owner's may)."""
        return self.kind is ViewerKind.OWNER


def allowed(action: Action, viewer: Viewer) -> bool:
    """The permission table's answer for ``viewer`` doing ``action``."""
    rule = PERMISSIONS[action][viewer.kind]
    if rule is Rule.IF_LINK_ALLOWS:
        return viewer.link is not None and viewer.link.allow_download
    return rule is Rule.YES


def viewer_of(
    info: MediaInfo, link: LinkInfo | None = None, user_id: int | None = None
) -> Viewer | None:
    """What kind of viewer the caller is for the video ``info``, or None (a stranger).

    ``user_id`` is the signed-in caller (None: nobody is); :func:`video_access` passes
    the request's, the media fast path (services/stream/fast_path.py) the one it read
    from the session store itself.

    A disabled owner's videos are seen by nobody: their links, shares and public
    pages stop at once (the owner's standing is part of the video's cached facts,
    which disabling or enabling the account drops).
    """
    if user_id is not None and user_id == info.owner_id:
        return Viewer(ViewerKind.OWNER, user_id)
    if info.owner_disabled:
        return None
    visibility = Visibility(info.visibility)
    if link is not None and link.video_public_id == info.public_id and visibility.links_work:
        return Viewer(ViewerKind.LINK, user_id, link)
    if user_id is not None and user_id in info.recipient_ids:
        return Viewer(ViewerKind.RECIPIENT, user_id)
    if visibility is Visibility.PUBLIC:
        return Viewer(ViewerKind.PUBLIC, user_id)
    return None


def refuse(message: str = NOT_FOUND) -> AppError:
    """What a caller who may not see the video gets (see the module notes)."""
    if current_user_id() is None and request.method in ("GET", "HEAD") and not wants_json():
        abort(sign_in_redirect())
    if current_user_id() is None:
        return AppError(401, "Sign in to continue.")
    return AppError(404, message)


def video_access(
    public_id: str, action: Action, link: LinkInfo | None = None
) -> tuple[MediaInfo, Viewer]:
    """The serving facts of ``public_id`` and the caller's standing, if ``action`` is allowed.

    ``link`` is the share link the request came through, already checked (see
    :func:`opened_link`). Anyone else gets :func:`refuse`'s answer.
    """
    refuse_invalid_token()
    info = media_info(public_id)
    viewer = viewer_of(info, link, current_user_id()) if info is not None else None
    if info is None or viewer is None or not allowed(action, viewer):
        if link is not None:
            raise AppError(404, LINK_NOT_FOUND)
        raise refuse()
    return info, viewer


def opened_link(token: str, grant: str | None = None) -> LinkInfo:
    """The active, unexpired link share ``token``; with ``grant``, one its page gave out.

    A revoked or unknown link is a 404; an expired one a 410. Media requests pass the
    ``grant`` from their URL: a grant that is forged, made for another link or too old
    is a 404 too.
    """
    link = link_info(token)
    if link is None:
        raise AppError(404, LINK_NOT_FOUND)
    if link.expired(time.time()):
        raise AppError(410, "This link has expired.", code="link_expired")
    if grant is not None and not grant_names(grant, link.share_public_id):
        raise AppError(404, LINK_NOT_FOUND)
    return link


def watched_video(public_id: str, link: LinkInfo | None = None) -> tuple[Video, Viewer]:
    """The row of a video the caller may watch, and how they may; others as in :func:`refuse`."""
    _, viewer = video_access(public_id, Action.WATCH, link)
    video = db.session.scalar(select(Video).where(Video.public_id == public_id))
    if video is None:
        raise refuse()
    return video, viewer


def managed_video(public_id: str) -> Video:
    """The row of a video the caller may manage (its owner); anyone else as in :func:`refuse`."""
    video_access(public_id, Action.MANAGE)
    video = db.session.scalar(select(Video).where(Video.public_id == public_id))
    if video is None:
        raise refuse()
    return video
