"""Representations shared by pages and the JSON API."""

from __future__ import annotations

from typing import Any

from vidstream.models import Video
from vidstream.urls import service_url


def video_json(video: Video) -> dict[str, Any]:
    """The public JSON shape of a video (no row id, no storage key)."""
    return {
        "id": video.public_id,
        "title": video.title,
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
        "created_at": video.created_at.isoformat() + "Z",
        "updated_at": video.updated_at.isoformat() + "Z",
        "urls": {
            "page": service_url("stream.player", public_id=video.public_id),
            "original": service_url("stream.original", public_id=video.public_id),
        },
    }
