"""The captions step: text subtitle tracks inside the uploaded file become captions.

Each text track (see media/subtitle_tracks.py) is converted to WebVTT, cleaned like an
uploaded caption, stored, and recorded with source ``file``. The language is the
track's own when it is a valid tag, else ``und``. A language that already has a
caption (one the owner uploaded, or this step made on an earlier run) is left as it
is, so running the step again changes nothing. A track that cannot be read is
skipped with a warning: captions never fail a video.
"""

from __future__ import annotations

import logging
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from vidstream.extensions import db
from vidstream.jobs.context import Job
from vidstream.media.captions import CaptionRejected, stored_spoken_text, to_webvtt
from vidstream.media.ffmpeg import FFmpegError, FFmpegInterrupted
from vidstream.media.subtitle_tracks import SubtitleTrack, extract_track, text_subtitle_tracks
from vidstream.media_index import forget_media
from vidstream.models import Caption, CaptionSource
from vidstream.models.caption import (
    LABEL_LENGTH,
    MAX_CAPTIONS,
    UNDETERMINED,
    normal_language,
)
from vidstream.models.search import caption_text_update
from vidstream.models.video import caption_key
from vidstream.web.text import clean_text

log = logging.getLogger(__name__)


def extract_captions(job: Job, source: Path, demuxer: str | None = None) -> None:
    """Store each text subtitle track of ``source`` whose language has no caption yet.

    ``source`` is the playable MP4, or an upload kept as it came (``demuxer`` names its
    container): the MP4 made from such an upload carries no subtitle tracks.
    """
    taken = set(
        db.session.scalars(select(Caption.language).where(Caption.video_id == job.facts.id))
    )
    db.session.commit()
    for track in text_subtitle_tracks(source, demuxer):
        language = normal_language(track.language) or UNDETERMINED
        if language in taken or len(taken) >= MAX_CAPTIONS:
            continue
        if _store_track(job, source, track, language, demuxer):
            taken.add(language)


def _store_track(
    job: Job, source: Path, track: SubtitleTrack, language: str, demuxer: str | None
) -> bool:
    """Extract, clean and store one track; False when it could not be used."""
    target = job.folder / f"track-{track.index}.vtt"
    try:
        webvtt = to_webvtt(
            extract_track(source, track, target, timeout=job.timeout(), demuxer=demuxer)
        )
    except FFmpegInterrupted:
        raise
    except (FFmpegError, CaptionRejected) as error:
        log.warning("video %s: subtitle track %d skipped: %s", job.facts.public_id, track.index,
                    error)  # fmt: skip
        return False
    label = clean_text(track.title, LABEL_LENGTH, single_line=True) or language
    db.session.add(
        Caption(video_id=job.facts.id, language=language, label=label, source=CaptionSource.FILE)
    )
    try:
        # The row first: a caption the owner added meanwhile wins, and its file is kept.
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return False
    target.write_text(webvtt.text, encoding="utf-8")
    key = caption_key(job.facts.public_id, language)
    job.storage.put_file(key, target)
    _index(job, {key: webvtt.text})
    db.session.commit()
    forget_media(job.facts.public_id)
    log.info("video %s: caption %s from the file's subtitle track", job.facts.public_id, language)
    return True


def _index(job: Job, fresh: dict[str, str]) -> None:
    """Make the words of every caption of the video searchable, these new ones included."""
    languages = db.session.scalars(select(Caption.language).where(Caption.video_id == job.facts.id))
    keys = [caption_key(job.facts.public_id, language) for language in languages]
    text = stored_spoken_text(job.storage, keys, fresh)
    db.session.execute(caption_text_update(job.facts.id, text))
