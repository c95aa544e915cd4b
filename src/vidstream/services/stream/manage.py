"""The owner's forms on a video's page: details and visibility, links, people, captions,
delete.

Each form answers with a redirect back to the page (303) when it worked, and with the
page itself, its message and the right status when it did not.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request
from werkzeug.wrappers import Response

from vidstream.services.stream import bp
from vidstream.services.stream.captions import add_caption, remove_caption, sent_caption
from vidstream.services.stream.logic import delete_video
from vidstream.services.stream.routes import render_player
from vidstream.services.stream.sharing import (
    DIGITS,
    create_link,
    edit_video,
    invalid,
    link_options,
    revoke,
    share_with_account,
)
from vidstream.services.stream.tags import split_tag_field
from vidstream.web.errors import AppError
from vidstream.web.representations import share_json
from vidstream.web.urls import service_url
from vidstream.web.video_access import managed_video


def form_number(name: str) -> int | None:
    """A whole number typed into a form field; empty is None, anything else a 400."""
    text = request.form.get(name, "").strip()
    if not text:
        return None
    # Plain ASCII digits only: int() would also take "6_0", "+60" and other scripts' digits.
    if not DIGITS.fullmatch(text):
        raise invalid(f"{name} must be a whole number.")
    return int(text)


def _back(public_id: str, anchor: str) -> Response:
    return redirect(service_url("stream.player", public_id=public_id) + anchor, code=303)


@bp.post("/stream/<public_id>/edit")
def edit(public_id: str) -> Any:
    """Save the title, description, visibility and tags."""
    video = managed_video(public_id)
    tags = request.form.get("tags")
    try:
        edit_video(
            video,
            title=request.form.get("title"),
            description=request.form.get("description"),
            visibility=request.form.get("visibility"),
            tags=split_tag_field(tags) if tags is not None else None,
        )
    except AppError as error:
        return render_player(video, manage=True, status=error.status, share_error=error.message)
    return _back(public_id, "#edit")


@bp.post("/stream/<public_id>/links")
def create_link_form(public_id: str) -> Any:
    """Create a share link and show its URL once."""
    video = managed_video(public_id)
    form = request.form
    try:
        options = link_options(
            expires_in_seconds=form_number("expires_in_seconds"),
            password=form.get("password") or None,
            max_views=form_number("max_views"),
            allow_download=form.get("allow_download") == "yes",
            label=form.get("label", ""),
        )
        share, token = create_link(video, options)
    except AppError as error:
        return render_player(video, manage=True, status=error.status, share_error=error.message)
    flash(share_json(share, token=token)["url"], "new-link")
    return _back(public_id, "#share")


@bp.post("/stream/<public_id>/people")
def share_with_person(public_id: str) -> Any:
    """Share the video with an account."""
    video = managed_video(public_id)
    try:
        share_with_account(video, request.form.get("username", ""))
    except AppError as error:
        return render_player(video, manage=True, status=error.status, share_error=error.message)
    return _back(public_id, "#share")


@bp.post("/stream/<public_id>/shares/<share_id>/revoke")
def revoke_share(public_id: str, share_id: str) -> Response:
    """Revoke a link, or stop sharing with a person, at once."""
    revoke(managed_video(public_id), share_id)
    return _back(public_id, "#share")


@bp.post("/stream/<public_id>/captions")
def add_caption_form(public_id: str) -> Any:
    """Add a caption file, or replace the one in its language."""
    video = managed_video(public_id)
    try:
        add_caption(video, *sent_caption())
    except AppError as error:
        return render_player(video, manage=True, status=error.status, caption_error=error.message)
    return _back(public_id, "#captions")


@bp.post("/stream/<public_id>/captions/<language>/delete")
def remove_caption_form(public_id: str, language: str) -> Response:
    """Remove the caption in one language."""
    remove_caption(managed_video(public_id), language)
    return _back(public_id, "#captions")


@bp.post("/stream/<public_id>/delete")
def delete(public_id: str) -> Response:
    """Delete the video (from its page's form)."""
    delete_video(managed_video(public_id))
    return redirect(service_url("stream.library"), code=303)
