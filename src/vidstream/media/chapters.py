"""A video's chapters: from the uploaded file's chapter atoms or its description's
"0:00 Intro" lines, served as a WebVTT chapters track.

File chapters are read once, when the video is processed, and stored with the video.
Description chapters are parsed whenever they are needed, so editing the description
changes them at once; they win over the file's. Both are text that people wrote, so
the WebVTT cues escape it (a cue's text is markup to a player).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import av

MAX_CHAPTERS = 200
MAX_TITLE = 120
# "0:00 Intro", "1:02:03 - Outro", "(12:30) Q&A", "* 4:05: Demo" (and bullets or dashes)
DESCRIPTION_LINE = re.compile(
    r"^\s*(?:[-*\u2022]\s*)?\(?(?:(\d{1,2}):)?(\d{1,2}):(\d{2})\)?\s*[-\u2013\u2014:|]?\s*(\S.*)$"
)


@dataclass(frozen=True)
class Chapter:
    """One chapter: where it starts (seconds) and its title."""

    start: float
    title: str


def _clean_title(title: str) -> str:
    """One line of at most :data:`MAX_TITLE` characters, without control characters."""
    text = "".join(ch if ch.isprintable() else " " for ch in title)
    return " ".join(text.split())[:MAX_TITLE]


def description_chapters(description: str) -> list[Chapter]:
    """The chapters a description lists, or none when its lines break the rules.

    The rules players commonly follow: the first line starts at 0:00, each start is
    later than the one before, and there are at least two.
    """
    found: list[Chapter] = []
    for line in description.splitlines():
        match = DESCRIPTION_LINE.match(line)
        if match is None:
            continue
        hours, minutes, seconds, title = match.groups()
        if int(seconds) >= 60 or (hours is not None and int(minutes) >= 60):
            continue
        start = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds)
        if found and start <= found[-1].start:
            return []
        found.append(Chapter(float(start), _clean_title(title)))
    if len(found) < 2 or found[0].start != 0 or len(found) > MAX_CHAPTERS:
        return []
    return found


def file_chapters(path: Path) -> list[Chapter]:
    """The chapter atoms of a media file (MP4, MKV, ...), in order; none if it has none."""
    try:
        with av.open(str(path)) as container:
            entries = container.chapters()
    except (av.error.FFmpegError, OSError):
        return []
    found: list[Chapter] = []
    starts = [(float(e["start"] * (e["time_base"] or 0)), e) for e in entries]
    for start, entry in sorted(starts, key=lambda pair: pair[0]):
        title = _clean_title(str(entry.get("metadata", {}).get("title", "")))
        if not math.isfinite(start) or start < 0 or (found and start <= found[-1].start):
            continue
        found.append(Chapter(start, title or f"Chapter {len(found) + 1}"))
    return found[:MAX_CHAPTERS]


def stored(chapters: list[Chapter]) -> list[list[float | str]] | None:
    """The JSON form kept on the video row (None for no chapters)."""
    return [[round(c.start, 3), c.title] for c in chapters] or None


def from_stored(rows: list[list[float | str]] | None) -> list[Chapter]:
    """Chapters from their JSON form; anything malformed is left out."""
    chapters: list[Chapter] = []
    for row in rows or []:
        if len(row) == 2 and isinstance(row[0], int | float) and isinstance(row[1], str):
            chapters.append(Chapter(float(row[0]), row[1]))
    return chapters


def video_chapters(description: str, stored_rows: list[list[float | str]] | None) -> list[Chapter]:
    """A video's chapters: its description's when it lists them, else its file's."""
    return description_chapters(description) or from_stored(stored_rows)


def _timestamp(seconds: float) -> str:
    millis = round(seconds * 1000)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def chapters_vtt(chapters: list[Chapter], duration: float | None) -> str:
    """A WebVTT chapters track: each chapter ends where the next starts (or the video ends)."""
    lines = ["WEBVTT", ""]
    for index, chapter in enumerate(chapters):
        following = chapters[index + 1].start if index + 1 < len(chapters) else None
        end = following if following is not None else max(duration or 0, chapter.start + 1)
        if duration:
            end = min(end, duration)
        if end <= chapter.start:
            continue
        lines += [
            f"{_timestamp(chapter.start)} --> {_timestamp(end)}",
            _escape(chapter.title) or f"Chapter {index + 1}",
            "",
        ]
    return "\n".join(lines)
