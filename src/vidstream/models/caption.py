"""Captions: one WebVTT file per video and language, and the row that names it.

The file lives at :func:`~vidstream.models.video.caption_key` (built from the video's
public id and a language tag that :func:`normal_language` has checked, never from
text a person sent as is). The row says which languages exist, how each is labelled,
where it came from (uploaded, or found inside the video file) and its version, which
is the file's validator: a replaced caption gets a new version, so no cache keeps
the old text.
"""

from __future__ import annotations

import enum
import re
import secrets
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vidstream.models.base import Base, utcnow

# A BCP 47 tag in its common shape: a language (2 or 3 letters), an optional script
# (4 letters) and an optional region (2 letters or 3 digits): en, pt-BR, zh-Hant, es-419.
LANGUAGE = re.compile(
    r"(?P<language>[A-Za-z]{2,3})(?:-(?P<script>[A-Za-z]{4}))?(?:-(?P<region>[A-Za-z]{2}|[0-9]{3}))?"
)
LANGUAGE_LENGTH = 12
LABEL_LENGTH = 100
# "und": undetermined, for a track inside a file that does not say its language.
UNDETERMINED = "und"
# Bounds the serving facts' list of captions (media_index.py) well inside what the
# database's string aggregate returns by default.
MAX_CAPTIONS = 30


class CaptionSource(enum.StrEnum):
    """Where a caption came from."""

    UPLOAD = "upload"  # sent by the owner
    FILE = "file"  # a text subtitle track inside the uploaded video


def normal_language(text: str) -> str | None:
    """``text`` as a language tag in its usual case (``pt-br`` is ``pt-BR``), or None."""
    found = LANGUAGE.fullmatch(text)
    if found is None:
        return None
    parts = [found["language"].lower()]
    if found["script"]:
        parts.append(found["script"].title())
    if found["region"]:
        parts.append(found["region"].upper())
    return "-".join(parts)


def new_caption_version() -> str:
    """A fresh validator for a caption's file."""
    return secrets.token_hex(4)


class Caption(Base):
    """One caption file of one video, in one language."""

    __tablename__ = "captions"
    __table_args__ = (UniqueConstraint("video_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    video_id: Mapped[int] = mapped_column(ForeignKey("videos.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(LANGUAGE_LENGTH))
    label: Mapped[str] = mapped_column(String(LABEL_LENGTH))
    source: Mapped[CaptionSource] = mapped_column(
        Enum(
            CaptionSource,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    version: Mapped[str] = mapped_column(String(16), default=new_caption_version)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
