"""Representations shared by pages and the JSON API."""

from __future__ import annotations

from typing import Any

from vidstream.models import ProcessingStep, Video, VideoStatus
from vidstream.web.urls import service_url


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
        "processing": processing_json(video),
        "created_at": video.created_at.isoformat() + "Z",
        "updated_at": video.updated_at.isoformat() + "Z",
        "urls": {
            "page": service_url("stream.player", public_id=video.public_id),
            "original": service_url("stream.original", public_id=video.public_id),
            **derived_urls(video),
        },
    }


STEP_LABELS = {
    ProcessingStep.QUEUED: "Waiting to be processed",
    ProcessingStep.FASTSTART: "Preparing for playback",
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


def derived_urls(video: Video) -> dict[str, str]:
    """Links to the files processing has published so far."""
    urls: dict[str, str] = {}
    pid = video.public_id
    if video.poster_ready:
        urls["poster"] = service_url("stream.poster", public_id=pid)
        urls["thumbnail"] = service_url("stream.thumbnail", public_id=pid)
    if video.storyboard_ready:
        urls["storyboard"] = service_url("stream.storyboard_index", public_id=pid)
    if video.renditions:
        urls["hls"] = service_url("stream.hls_master", public_id=pid)
    return urls
