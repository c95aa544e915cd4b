"""Where an MP4's index says its media data ends (vidstream.media.sample_table)."""

from __future__ import annotations

from pathlib import Path

from tests.support.media import make_mp4, make_webm
from vidstream.media.faststart import top_level_boxes
from vidstream.media.sample_table import media_data_end


def test_a_whole_file_with_its_index_in_front_ends_where_its_data_ends(sample_mp4: Path) -> None:
    assert media_data_end(sample_mp4) == sample_mp4.stat().st_size


def test_with_the_index_at_the_end_the_data_ends_where_the_index_begins(tmp_path: Path) -> None:
    path = make_mp4(tmp_path / "tail.mp4", audio=False)
    moov = next(offset for kind, offset, _ in top_level_boxes(path) if kind == b"moov")
    assert media_data_end(path) == moov


def test_a_copy_cut_short_points_past_its_own_end(tmp_path: Path, sample_mp4: Path) -> None:
    data = sample_mp4.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) * 3 // 10])
    assert media_data_end(cut) == len(data)


def test_files_without_an_index_say_nothing(tmp_path: Path, sample_mp4: Path) -> None:
    cut_in_index = tmp_path / "cut.mp4"
    cut_in_index.write_bytes(sample_mp4.read_bytes()[:40])
    assert media_data_end(make_webm(tmp_path / "a.webm")) is None
    assert media_data_end(cut_in_index) is None
