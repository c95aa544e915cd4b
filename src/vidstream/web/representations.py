"""Representations shared by pages and the JSON API."""

from __future__ import annotations

from typing import Any

from vidstream.media.chapters import video_chapters
from vidstream.models import (
    Caption,
    Collection,
    ProcessingStep,
    Share,
    ShareKind,
    Video,
    VideoStatus,
)
from vidstream.web.urls import absolute_url, service_url


def video_json(video: Video) -> dict[str, Any]:
    """The public JSON shape of a video (no row id, no storage key)."""
    return {
        "id": video.public_id,
        "title": video.title,
        "description": video.description,
        "visibility": video.visibility.value,
        "tags": video.tags,
        "original_filename": video.original_filename,
        "size_bytes": video.size_bytes,
        "content_type": video.content_type,
        "duration_seconds": video.duration_seconds,
        "width": video.width,
        "height": video.height,
        "video_codec": video.video_codec,
        "audio_codec": video.audio_codec,
        "status": video.status.value,
        "status_reason": video.status_reason,
        "processing": processing_json(video),
        "captions": [caption_json(c, public_id=video.public_id) for c in video.captions],
        "created_at": video.created_at.isoformat() + "Z",
        "updated_at": video.updated_at.isoformat() + "Z",
        "urls": {
            "page": service_url("stream.player", public_id=video.public_id),
            **media_urls(video, public_id=video.public_id),
        },
    }


STEP_LABELS = {
    ProcessingStep.QUEUED: "Waiting to be processed",
    ProcessingStep.FASTSTART: "Preparing for playback",
    ProcessingStep.CONVERT: "Converting for playback",
    ProcessingStep.POSTER: "Choosing a poster",
    ProcessingStep.STORYBOARD: "Making seek previews",
    ProcessingStep.RENDITIONS: "Encoding streaming versions",
    ProcessingStep.DONE: "Ready",
    ProcessingStep.FAILED: "Processing failed",
}


def processing_json(video: Video) -> dict[str, Any]:
    """The current processing step, its label and overall progress (0 to 1) of a video."""
    if video.status is VideoStatus.READY:
        step, progress = ProcessingStep.DONE, 1.0
    elif video.status is VideoStatus.FAILED:
        step, progress = ProcessingStep.FAILED, video.job.progress if video.job else 0.0
    elif video.job is None:
        step, progress = ProcessingStep.QUEUED, 0.0
    else:
        step, progress = ProcessingStep(video.job.step), video.job.progress
    return {"step": step.value, "label": STEP_LABELS[step], "progress": round(progress, 3)}


def media_urls(video: Video, **where: str) -> dict[str, Any]:
    """Links to the files of ``video`` that exist so far, and its captions'.

    ``where`` names the URL form: ``public_id=`` for ``/media/<id>/...``, or ``token=``
    and ``grant=`` for the share-link form ``/s/<token>/m/<grant>/...``.
    """
    urls: dict[str, Any] = {"original": service_url("stream.original", **where)}
    if video.poster_ready:
        urls["poster"] = service_url("stream.poster", **where)
        urls["thumbnail"] = service_url("stream.thumbnail", **where)
    if video.storyboard_ready:
        urls["storyboard"] = service_url("stream.storyboard_index", **where)
    if video.renditions:
        urls["hls"] = service_url("stream.hls_master", **where)
    urls["captions"] = [
        {"language": c.language, "label": c.label, "url": caption_url(c, **where)}
        for c in video.captions
    ]
    if video_chapters(video.description, video.chapters):
        urls["chapters"] = service_url("stream.chapters_track", **where)
    return urls


def caption_url(caption: Caption, **where: str) -> str:
    """The URL of a caption's WebVTT file, in the form ``where`` names (see media_urls)."""
    return service_url("stream.caption_file", language=caption.language, **where)


def caption_json(caption: Caption, **where: str) -> dict[str, Any]:
    """The JSON shape of a caption."""
    return {
        "language": caption.language,
        "label": caption.label,
        "source": caption.source.value,
        "created_at": caption.created_at.isoformat() + "Z",
        "url": caption_url(caption, **where),
    }


def share_json(share: Share, token: str | None = None) -> dict[str, Any]:
    """The JSON shape of a share; a link's ``url`` only when its token is known (creation)."""
    shape: dict[str, Any] = {
        "id": share.public_id,
        "kind": share.kind.value,
        "created_at": share.created_at.isoformat() + "Z",
    }
    if share.kind is ShareKind.ACCOUNT:
        shape["username"] = share.recipient.username if share.recipient else None
        return shape
    return {
        **shape,
        "label": share.label,
        "expires_at": share.expires_at.isoformat() + "Z" if share.expires_at else None,
        "has_password": share.password_hash is not None,
        "max_views": share.max_views,
        "allow_download": share.allow_download,
        "opens": share.opens,
        "views": share.views,
        "last_opened_at": share.last_opened_at.isoformat() + "Z" if share.last_opened_at else None,
        **({"url": absolute_url("stream.share_page", token=token)} if token else {}),
    }


def collection_json(
    collection: Collection, *, video_count: int, videos: list[Video] | None = None
) -> dict[str, Any]:
    """The JSON shape of a collection; with ``videos``, its videos in play order."""
    shape: dict[str, Any] = {
        "id": collection.public_id,
        "name": collection.name,
        "description": collection.description,
        "video_count": video_count,
        "created_at": collection.created_at.isoformat() + "Z",
        "updated_at": collection.updated_at.isoformat() + "Z",
        "urls": {"page": service_url("stream.collection_page", collection_id=collection.public_id)},
    }
    if videos is not None:
        shape["videos"] = [video_json(video) for video in videos]
    return shape
