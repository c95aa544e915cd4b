"""Text subtitle tracks inside a video file, read out as WebVTT.

An MP4 may carry ``mov_text`` tracks, an MKV SRT or ASS ones, a WebM WebVTT ones.
ffmpeg converts any of them to WebVTT (``-map 0:<index> -f webvtt``), which then goes
through the same cleaning as an uploaded caption (:mod:`.captions`). Bitmap
subtitles (DVD, PGS, DVB) are pictures, not text, and are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av

from vidstream.media.ffmpeg import input_args, run_ffmpeg
from vidstream.media.probe import open_media, open_upload

# The decoders of text subtitles ffmpeg can write as WebVTT.
TEXT_CODECS = frozenset({"mov_text", "subrip", "srt", "ass", "ssa", "webvtt", "text"})


@dataclass(frozen=True)
class SubtitleTrack:
    """A text subtitle track: its stream index, language and title as the file says."""

    index: int
    language: str
    title: str


def text_subtitle_tracks(source: Path, demuxer: str | None = None) -> list[SubtitleTrack]:
    """The text subtitle tracks of ``source``, in file order (none when it cannot say:
    captions never fail a video that plays). ``demuxer`` names an upload kept as it
    came (one of the allowed containers); without it the file is a playable MP4."""
    try:
        container = open_upload(source, demuxer) if demuxer else open_media(source)
    except av.FFmpegError:
        return []
    with container:
        return [
            SubtitleTrack(
                index=stream.index,
                language=str(stream.metadata.get("language", "")),
                title=str(stream.metadata.get("title", "")),
            )
            for stream in container.streams.subtitles
            if stream.codec_context.name in TEXT_CODECS
        ]


def extract_track(
    source: Path, track: SubtitleTrack, target: Path, *, timeout: float, demuxer: str | None = None
) -> bytes:
    """The track converted to WebVTT by ffmpeg (written to ``target``, returned as bytes)."""
    opened = input_args(source, demuxer) if demuxer else input_args(source)
    run_ffmpeg(
        [*opened, "-map", f"0:{track.index}", "-f", "webvtt", str(target)],
        timeout=timeout,
    )
    return target.read_bytes()
