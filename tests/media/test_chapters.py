"""Chapters: from a description's "0:00 Intro" lines, from a file's chapter atoms, as WebVTT."""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest

from vidstream.media.chapters import (
    Chapter,
    chapters_vtt,
    description_chapters,
    file_chapters,
    from_stored,
    stored,
    video_chapters,
)


def test_description_lines_make_chapters() -> None:
    text = (
        "A day out.\n\n0:00 Intro\n(1:05) The harbour - at dawn\n* 12:30 Q&A\n"
        "1:02:03 \u2013 Outro\nThanks!"
    )
    assert description_chapters(text) == [
        Chapter(0, "Intro"),
        Chapter(65, "The harbour - at dawn"),
        Chapter(750, "Q&A"),
        Chapter(3723, "Outro"),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "0:00 Only one",
        "0:10 Intro\n1:00 Later",  # the first is not at 0:00
        "0:00 Intro\n2:00 Middle\n1:00 Back in time",  # not increasing
        "0:00 Intro\n0:00 Again",
        "No chapters here.\nJust words, and 3 apples.",
        "",
    ],
)
def test_descriptions_that_break_the_rules_have_no_chapters(text: str) -> None:
    assert description_chapters(text) == []


def test_minutes_and_seconds_out_of_range_are_not_timestamps() -> None:
    assert description_chapters("0:00 Intro\n0:75 Not a time\n1:00 End") == [
        Chapter(0, "Intro"),
        Chapter(60, "End"),
    ]


def test_description_chapters_win_over_the_files() -> None:
    from_file = stored([Chapter(0, "File start"), Chapter(5, "File end")])
    assert video_chapters("", from_file) == [Chapter(0, "File start"), Chapter(5, "File end")]
    assert video_chapters("0:00 A\n0:03 B", from_file) == [Chapter(0, "A"), Chapter(3, "B")]
    assert video_chapters("", None) == []


def test_stored_chapters_survive_a_round_trip_and_junk_is_left_out() -> None:
    chapters = [Chapter(0, "Intro"), Chapter(12.5, "Next")]
    assert from_stored(stored(chapters)) == chapters
    assert stored([]) is None
    assert from_stored([[1, 2], ["x", "y"], [3, "ok"], [4]]) == [Chapter(3, "ok")]  # type: ignore[list-item]


def test_the_track_escapes_titles_and_ends_each_cue_at_the_next() -> None:
    chapters = [Chapter(0, "<b>Bold</b> & co --> on"), Chapter(90, "Late"), Chapter(400, "After")]
    assert chapters_vtt(chapters, duration=200.0) == (
        "WEBVTT\n\n"
        "00:00:00.000 --> 00:01:30.000\n&lt;b&gt;Bold&lt;/b&gt; &amp; co --&gt; on\n\n"
        "00:01:30.000 --> 00:03:20.000\nLate\n"
    )


def test_titles_are_one_line_without_control_characters() -> None:
    (first, _) = description_chapters("0:00 Intro\x1b[31m\u202e\n0:05 Next")
    assert first.title == "Intro [31m"


def test_a_files_chapter_atoms_are_read(tmp_path: Path) -> None:
    metadata = tmp_path / "chapters.txt"
    metadata.write_text(
        ";FFMETADATA1\n"
        "[CHAPTER]\nTIMEBASE=1/1000\nSTART=0\nEND=1500\ntitle=Opening <i>\n"
        "[CHAPTER]\nTIMEBASE=1/1000\nSTART=1500\nEND=3000\ntitle=\n"
    )
    target = tmp_path / "chaptered.mp4"
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi",
            "-i", "testsrc2=size=160x120:rate=10:duration=3", "-i", str(metadata),
            "-map", "0:v", "-map_chapters", "1", "-c:v", "libx264", "-preset", "ultrafast",
            str(target),
        ],
        check=True,
    )  # fmt: skip
    assert file_chapters(target) == [Chapter(0, "Opening <i>"), Chapter(1.5, "Chapter 2")]


def test_a_file_without_chapters_or_not_a_media_file_has_none(
    tmp_path: Path, sample_mp4: Path
) -> None:
    assert file_chapters(sample_mp4) == []
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"not a video at all")
    assert file_chapters(junk) == []
