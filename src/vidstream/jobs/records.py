"""The video row as the truth about processing: every state change, one commit each.

Each change is a single UPDATE by id (never a loaded object that a concurrent delete
could turn stale), followed by dropping the cached serving facts, so the stream
service sees the new state on its next request.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from vidstream import current
from vidstream.extensions import db
from vidstream.media.probe import VideoProbe
from vidstream.media_index import forget_media
from vidstream.models import ProcessingStep, Video, VideoJob, VideoStatus
from vidstream.models.video import derived_prefixes, new_etag, original_key, split_renditions


@dataclass(frozen=True)
class VideoFacts:
    """What a job needs to know about a video, read once at its start."""

    id: int
    public_id: str
    status: VideoStatus
    original_key: str
    # The upload kept as it came and its container, when the playable MP4 is made from it.
    source_key: str | None
    source_format: str | None
    duration: float | None
    poster_ready: bool
    storyboard_ready: bool
    renditions: tuple[str, ...]
    assets_version: str | None


def load_facts(video_id: int) -> VideoFacts | None:
    """The video's current facts, or None if it was deleted."""
    video = db.session.scalar(select(Video).where(Video.id == video_id))
    if video is None:
        return None
    facts = VideoFacts(
        id=video.id,
        public_id=video.public_id,
        status=video.status,
        original_key=video.original_key,
        source_key=video.upload_key if video.source_format else None,
        source_format=video.source_format,
        duration=video.duration_seconds,
        poster_ready=video.poster_ready,
        storyboard_ready=video.storyboard_ready,
        renditions=split_renditions(video.renditions),
        assets_version=video.assets_version,
    )
    db.session.commit()
    return facts


def _update_video(facts: VideoFacts, **values: object) -> None:
    db.session.execute(update(Video).where(Video.id == facts.id).values(**values))
    db.session.commit()
    forget_media(facts.public_id)


def _update_job(video_id: int, **values: object) -> None:
    db.session.execute(update(VideoJob).where(VideoJob.video_id == video_id).values(**values))


def mark_playable(facts: VideoFacts, probe: VideoProbe, size: int, *, rewritten: bool) -> None:
    """``ready_original``: the original can be streamed; record what probing found."""
    width, height = probe.display_size
    values: dict[str, object] = {
        "status": VideoStatus.READY_ORIGINAL,
        "status_reason": None,
        "duration_seconds": probe.duration_seconds,
        "width": width,
        "height": height,
        "video_codec": probe.video_codec,
        "audio_codec": probe.audio_codec,
    }
    if rewritten:
        values.update(size_bytes=size, etag=new_etag())
    _update_job(facts.id, attempts=0)
    _update_video(facts, **values)


def mark_converted(facts: VideoFacts, source: VideoProbe, playable: VideoProbe, size: int) -> None:
    """``ready_original``: the playable MP4 made from the kept upload is stored.

    The codecs recorded are the upload's; the duration is the playable MP4's (what
    every later step and player sees).
    """
    width, height = source.display_size
    _update_job(facts.id, attempts=0)
    _update_video(
        facts,
        status=VideoStatus.READY_ORIGINAL,
        status_reason=None,
        duration_seconds=playable.duration_seconds or source.duration_seconds,
        width=width,
        height=height,
        video_codec=source.video_codec,
        audio_codec=source.audio_codec,
        playable_size_bytes=size,
        etag=new_etag(),
    )


def start_rendering(facts: VideoFacts) -> str:
    """``processing``; return the version tag the derived files' ETags will carry."""
    version = facts.assets_version or new_etag()
    _update_video(facts, status=VideoStatus.PROCESSING, assets_version=version)
    return version


def record_assets(facts: VideoFacts, **flags: object) -> None:
    """Record that a set of derived files (poster, storyboard) is fully stored."""
    _update_video(facts, **flags)


def publish_renditions(facts: VideoFacts, renditions: list[str]) -> None:
    """The HLS ladder may be served while it grows: its master and first segments are stored.

    The video stays ``processing``; playlists are served uncached until it is ``ready``.
    """
    _update_video(facts, renditions=",".join(renditions))


def withdraw_renditions(facts: VideoFacts) -> None:
    """Stop serving the HLS ladder (before its files are deleted to be made anew)."""
    _update_video(facts, renditions=None)


def mark_ready(facts: VideoFacts, renditions: list[str]) -> None:
    """``ready``: every derived file is stored and the HLS ladder may be served."""
    _update_job(facts.id, step=ProcessingStep.DONE.value, progress=1.0, attempts=0)
    _update_video(facts, status=VideoStatus.READY, renditions=",".join(renditions))


def remove_derived(public_id: str) -> None:
    """Delete every file processing wrote for the video; the original stays."""
    storage = current.storage()
    for prefix in derived_prefixes(public_id):
        storage.delete_prefix(prefix)


def video_exists(video_id: int) -> bool:
    """Whether the video's row is still there (a fresh read, after any failed statement)."""
    db.session.rollback()
    found = db.session.scalar(select(Video.id).where(Video.id == video_id)) is not None
    db.session.commit()
    return found


def remove_all_files(public_id: str) -> None:
    """Delete whatever a job stored for a video deleted while it ran (the original too)."""
    current.storage().delete_prefix(f"videos/{public_id}/")


def mark_failed(facts: VideoFacts, reason: str, detail: str | None = None) -> None:
    """``failed`` with a reason a person can act on; no derived file is left behind.

    A playable MP4 made from a kept upload is derived too, and goes with the rest.
    """
    db.session.rollback()
    _update_job(facts.id, step=ProcessingStep.FAILED.value, error_detail=detail)
    values: dict[str, object] = {"playable_size_bytes": None} if facts.source_key else {}
    _update_video(
        facts,
        status=VideoStatus.FAILED,
        status_reason=reason,
        poster_ready=False,
        storyboard_ready=False,
        renditions=None,
        **values,
    )
    remove_derived(facts.public_id)
    if facts.source_key is not None:
        current.storage().delete_prefix(original_key(facts.public_id))


def reset_for_reprocessing(video: Video) -> None:
    """Forget every derived file of ``video`` so the pipeline makes them anew.

    A video that can be played stays playable while it is processed again; any other
    is validated again first, as is a kept upload whose playable MP4 is missing (it is
    made again). The caller commits and enqueues.
    """
    if video.source_format and not current.storage().exists(video.original_key):
        video.status = VideoStatus.VALIDATING
        video.playable_size_bytes = None
    if not video.status.playable:
        video.status = VideoStatus.VALIDATING
    elif video.status is VideoStatus.READY:
        video.status = VideoStatus.READY_ORIGINAL
    video.status_reason = None
    video.poster_ready = video.storyboard_ready = False
    video.renditions = None
    video.assets_version = None
    if video.job is None:
        video.job = VideoJob()
    video.job.step = ProcessingStep.QUEUED.value
    video.job.progress = 0.0
    video.job.attempts = 0
    video.job.error_detail = None
