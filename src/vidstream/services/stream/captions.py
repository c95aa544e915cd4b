"""Caption rules: adding (or replacing) and removing a video's captions, for the API
and the owner's page alike.

A caption file is small, so it arrives in an ordinary form body (the app-wide body
limit of web/bodies.py answers 413 above it) and is converted in memory
(media/captions.py) before anything is written. Then the WebVTT file is stored, and
only then is the row committed; if the commit fails, a new caption's file is
deleted again, so nothing is left half-written. The cached serving facts are dropped
afterwards, so the byte path and the master playlist see the change at once.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from vidstream import current
from vidstream.extensions import db
from vidstream.media.captions import CaptionRejected, stored_spoken_text, to_webvtt
from vidstream.media_index import forget_media
from vidstream.models import Caption, CaptionSource, Video
from vidstream.models.base import utcnow
from vidstream.models.caption import (
    LABEL_LENGTH,
    MAX_CAPTIONS,
    new_caption_version,
    normal_language,
)
from vidstream.models.search import caption_text_update
from vidstream.models.video import caption_key
from vidstream.web.errors import AppError
from vidstream.web.text import clean_text

BAD_LANGUAGE = (
    "language must be a language tag such as en, pt-BR or zh-Hant "
    "(a language, then optionally a script and a region)."
)
NO_CAPTION = "This video has no caption in that language."


def checked_language(text: str) -> str:
    """The language tag ``text`` in its usual case; a 400 when it is not one."""
    language = normal_language(text.strip())
    if language is None:
        raise AppError(400, BAD_LANGUAGE, code="invalid_value")
    return language


def sent_caption() -> tuple[bytes, str, str | None]:
    """The caption file, language and label of a multipart request; a 400 when missing."""
    upload = request.files.get("file")
    if upload is None:
        raise AppError(400, "Send the caption file in the file field.", code="invalid_body")
    language = request.form.get("language")
    if not language:
        raise AppError(400, "Name the caption's language in the language field.")
    return upload.read(), language, request.form.get("label")


def add_caption(
    video: Video, data: bytes, language_text: str, label: str | None
) -> tuple[Caption, bool]:
    """Store ``data`` as the video's caption in a language; True when it is new.

    A caption already in that language is replaced (its file and label).
    """
    language = checked_language(language_text)
    try:
        webvtt = to_webvtt(data)
    except CaptionRejected as error:
        raise AppError(error.status, error.message, code="invalid_caption") from None
    caption = next((c for c in video.captions if c.language == language), None)
    if caption is None and len(video.captions) >= MAX_CAPTIONS:
        raise AppError(422, f"A video can have at most {MAX_CAPTIONS} captions.")
    key = caption_key(video.public_id, language)
    _store(key, webvtt.text)
    created = caption is None
    if caption is None:
        caption = Caption(video_id=video.id, language=language)
        video.captions.append(caption)
    caption.label = clean_text(label or "", LABEL_LENGTH, single_line=True) or language
    caption.source = CaptionSource.UPLOAD
    caption.version = new_caption_version()
    caption.created_at = utcnow()
    index_captions(video, {key: webvtt.text})
    _commit(video.public_id, key if created else None)
    return caption, created


def _store(key: str, text: str) -> None:
    """Store ``text`` under ``key`` from a temporary file in the staging folder."""
    staging = current.settings().staging_dir
    staging.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=staging, prefix="caption-") as folder:
        path = Path(folder) / "caption.vtt"
        path.write_text(text, encoding="utf-8")
        current.storage().put_file(key, path)


def _commit(public_id: str, new_key: str | None) -> None:
    """Commit the caption's row; if that fails, a new caption's stored file goes."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AppError(409, "The captions of this video changed meanwhile; try again.") from None
    except BaseException:
        db.session.rollback()
        if new_key is not None:
            current.storage().delete_prefix(new_key)
        raise
    finally:
        forget_media(public_id)


def remove_caption(video: Video, language_text: str) -> None:
    """Delete the video's caption in a language (row, then file); 404 when there is none."""
    language = normal_language(language_text)
    caption = next((c for c in video.captions if c.language == language), None)
    if caption is None or language is None:
        raise AppError(404, NO_CAPTION)
    video.captions.remove(caption)
    index_captions(video, {})
    db.session.commit()
    forget_media(video.public_id)
    current.storage().delete_prefix(caption_key(video.public_id, language))


def index_captions(video: Video, fresh: dict[str, str]) -> None:
    """Make the words of the video's captions searchable (see models/search.py)."""
    keys = [caption_key(video.public_id, c.language) for c in video.captions]
    text = stored_spoken_text(current.storage(), keys, fresh)
    db.session.execute(caption_text_update(video.id, text))


def caption_names(public_id: str) -> list[tuple[str, str]]:
    """(language, label) of each caption of the video, in language order."""
    rows = db.session.execute(
        select(Caption.language, Caption.label)
        .join(Video, Video.id == Caption.video_id)
        .where(Video.public_id == public_id)
        .order_by(Caption.language)
    )
    return [(language, label) for language, label in rows]


def video_duration(public_id: str) -> float | None:
    """The video's duration in seconds, as probed."""
    return db.session.scalar(select(Video.duration_seconds).where(Video.public_id == public_id))
